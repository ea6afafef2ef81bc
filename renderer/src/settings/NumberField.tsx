import type { SettingsKey } from '../../../electron/shared/types.js';
import { Field, describedBy, useSetting } from './Field.js';

/** A resource as a slider with a numeric field beside it, the host's limit in the hint. */
export function NumberField({
  setting,
  label,
  min,
  max,
  unit,
  hint,
}: {
  setting: Extract<SettingsKey, 'cpu_count' | 'memory' | 'disk_size'>;
  label: string;
  min: number;
  max: number;
  unit?: string;
  hint: string;
}) {
  const f = useSetting(setting);
  const id = `setting-${setting}`;
  const text = String(f.value ?? '');
  const numeric = Number(text);
  return (
    <Field id={id} label={label} hint={hint} error={f.error} restart={f.restart}>
      <input
        type="range"
        min={min}
        max={Math.max(max, min)}
        step={1}
        value={Number.isFinite(numeric) ? Math.min(Math.max(numeric, min), max) : min}
        aria-label={`${label} slider`}
        onChange={(e) => f.set(Number(e.target.value))}
      />
      <input
        id={id}
        className="number"
        type="text"
        inputMode="numeric"
        value={text}
        aria-invalid={f.error ? true : undefined}
        aria-describedby={describedBy(id, hint, f.error)}
        onChange={(e) => f.set(e.target.value)}
      />
      {unit && <span className="unit">{unit}</span>}
    </Field>
  );
}

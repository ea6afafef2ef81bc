import type { SettingsKey } from '../../../electron/shared/types.js';
import { Field, describedBy, useSetting } from './Field.js';

/** A setting edited as one line of text (a path, a number of minutes), with its hint and error. */
export function TextSetting({
  setting,
  label,
  hint,
  unit,
  placeholder,
  numeric = false,
}: {
  setting: Extract<SettingsKey, 'idle_stop_minutes' | 'xhyve_binary' | 'vfkit_binary'>;
  label: string;
  hint: string;
  unit?: string;
  placeholder?: string;
  numeric?: boolean;
}) {
  const f = useSetting(setting);
  const id = `setting-${setting}`;
  return (
    <Field id={id} label={label} hint={hint} error={f.error} restart={f.restart}>
      <input
        id={id}
        type="text"
        className={numeric ? 'number' : 'path'}
        inputMode={numeric ? 'numeric' : undefined}
        spellCheck={false}
        value={String(f.value ?? '')}
        placeholder={placeholder}
        aria-invalid={f.error ? true : undefined}
        aria-describedby={describedBy(id, hint, f.error)}
        onChange={(e) => f.set(e.target.value)}
      />
      {unit && <span className="unit">{unit}</span>}
    </Field>
  );
}

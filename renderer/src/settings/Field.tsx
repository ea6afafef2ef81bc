import type { ReactNode } from 'react';

import type { SettingsKey } from '../../../electron/shared/types.js';
import { fieldError, type SettingsDraft } from '../lib/settings-form.js';
import { useAppStore } from '../store/app-store.js';
import { draftPatchKey } from '../store/settings-slice.js';

/** A setting's draft value, its setter, the core's message about it and whether it needs a restart. */
export function useSetting<K extends SettingsKey>(key: K) {
  const value = useAppStore<SettingsDraft[K] | undefined>((s) => s.draft?.[key]);
  const editDraft = useAppStore((s) => s.editDraft);
  const check = useAppStore((s) =>
    s.checkedPatch !== null && s.checkedPatch === draftPatchKey(s) ? s.check : null,
  );
  const applied = useAppStore((s) => s.applied);
  return {
    value,
    set: (v: SettingsDraft[K]) => editDraft(key, v),
    error: check ? fieldError(check.errors, key) : null,
    errors: check?.errors ?? [],
    restart: check?.restartRequired.includes(key) ?? false,
    live: check?.live.includes(key) ?? false,
    appliedLive: applied?.appliedLive.includes(key) ?? false,
  };
}

export interface FieldProps {
  readonly id: string;
  readonly label: string;
  readonly hint?: ReactNode;
  readonly error?: string | null;
  /** The change needs a VM restart: a small "restart" badge. */
  readonly restart?: boolean;
  /** The change was applied to the running VM. */
  readonly appliedLive?: boolean;
  /** False when the controls carry their own names (buttons): the label then names the group. */
  readonly labelsControl?: boolean;
  readonly children: ReactNode;
}

/** Describes a control: `aria-describedby` for its hint and error. */
export function describedBy(id: string, hint: unknown, error: unknown): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

/** A labelled setting: label (with badges), the control, a hint, and the error in words under it. */
export function Field({
  id,
  label,
  hint,
  error,
  restart,
  appliedLive,
  labelsControl = true,
  children,
}: FieldProps) {
  const Label = labelsControl ? 'label' : 'span';
  return (
    <div
      className={`field${error ? ' invalid' : ''}`}
      {...(labelsControl ? {} : { role: 'group', 'aria-labelledby': `${id}-label` })}
    >
      <Label id={`${id}-label`} {...(labelsControl ? { htmlFor: id } : {})} className="field-label">
        {label}
        {restart && (
          <span className="badge badge-restart" data-testid={`${id}-restart`}>
            restart
          </span>
        )}
        {appliedLive && <span className="badge badge-applied">applied</span>}
      </Label>
      <div className="field-control">{children}</div>
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error" data-testid={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** A checkbox setting with its label to the right, macOS style. */
export function CheckboxField({
  id,
  label,
  checked,
  onChange,
  hint,
  error,
  restart,
  disabled,
}: {
  id: string;
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: ReactNode;
  error?: string | null;
  restart?: boolean;
  disabled?: boolean;
}) {
  return (
    <div className={`field checkbox-field${error ? ' invalid' : ''}`}>
      <input
        id={id}
        type="checkbox"
        checked={checked}
        disabled={disabled}
        aria-describedby={describedBy(id, hint, error)}
        onChange={(e) => onChange(e.target.checked)}
      />
      <div>
        <label htmlFor={id}>
          {label}
          {restart && <span className="badge badge-restart">restart</span>}
        </label>
        {hint && (
          <p id={`${id}-hint`} className="hint">
            {hint}
          </p>
        )}
        {error && (
          <p id={`${id}-error`} className="field-error">
            {error}
          </p>
        )}
      </div>
    </div>
  );
}

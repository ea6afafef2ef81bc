/**
 * One invalid field: `message` already starts with the field name and states the allowed range.
 * `index` names the offending item of a list field (0-based).
 */
export interface FieldError {
  readonly field: string;
  readonly message: string;
  readonly index?: number;
}

export type SettingsErrorCode = 'config-unreadable' | 'invalid-settings';

export interface SettingsErrorInit {
  /** The config file concerned, when there is one. */
  readonly file?: string;
  /** The first bad field, when the error is about a field. */
  readonly field?: string;
  /** Where an unreadable or invalid file was moved; absent when it was left in place. */
  readonly movedTo?: string;
  /** Every field error (update/init report all of them). */
  readonly errors?: readonly FieldError[];
}

/**
 * A settings file that cannot be used, or a rejected change. `message` is one line naming the
 * file (when there is one) and the field. Maps 1:1 onto an `ErrorDto` with the same `code`.
 */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  readonly code: SettingsErrorCode;
  readonly file: string | undefined;
  readonly field: string | undefined;
  readonly movedTo: string | undefined;
  readonly errors: readonly FieldError[];

  constructor(code: SettingsErrorCode, message: string, init: SettingsErrorInit = {}) {
    super(message);
    this.code = code;
    this.file = init.file;
    this.field = init.field ?? init.errors?.[0]?.field;
    this.movedTo = init.movedTo;
    this.errors = init.errors ?? [];
  }

  /** JSON-serializable details for an `ErrorDto`. */
  toDetails(): Record<string, unknown> {
    return {
      ...(this.file === undefined ? {} : { file: this.file }),
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.movedTo === undefined ? {} : { movedTo: this.movedTo }),
      ...(this.errors.length === 0 ? {} : { errors: this.errors.map((e) => ({ ...e })) }),
    };
  }
}

/** "first message (and N more)" — the one-line summary of several field errors. */
export function summarizeFieldErrors(errors: readonly FieldError[]): string {
  const first = errors[0]?.message ?? 'invalid settings';
  return errors.length > 1 ? `${first} (and ${errors.length - 1} more)` : first;
}

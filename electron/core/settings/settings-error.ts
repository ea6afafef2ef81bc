import type { FieldError } from '../../shared/errors.js';
import { DliteError } from '../dlite-error.js';

export type { FieldError } from '../../shared/errors.js';

export type SettingsErrorCode = 'config-unreadable' | 'invalid-settings' | 'disk-full';

export interface SettingsErrorInit {
  /** The config file concerned, when there is one. */
  readonly file?: string;
  /** The first bad field, when the error is about a field. */
  readonly field?: string;
  /** Where an unreadable or invalid file was moved; absent when it was left in place. */
  readonly movedTo?: string;
  /** Every field error (update/init report all of them). */
  readonly errors?: readonly FieldError[];
  /** The errno of a failed read or write. */
  readonly errno?: string;
}

/**
 * A settings file that cannot be used, or a rejected change. `message` is one line naming the
 * file (when there is one) and the field; the same facts are in `details` for the UI.
 */
export class SettingsError extends DliteError {
  override name = 'SettingsError';

  constructor(code: SettingsErrorCode, message: string, init: SettingsErrorInit = {}) {
    const field = init.field ?? init.errors?.[0]?.field;
    super(code, message, {
      ...(init.file === undefined ? {} : { file: init.file }),
      ...(field === undefined ? {} : { field }),
      ...(init.movedTo === undefined ? {} : { movedTo: init.movedTo }),
      ...(init.errors === undefined || init.errors.length === 0
        ? {}
        : { errors: init.errors.map((e) => ({ field: e.field, message: e.message })) }),
      ...(init.errno === undefined ? {} : { errno: init.errno }),
    });
  }

  get file(): string | undefined {
    return this.details.file;
  }

  get field(): string | undefined {
    return this.details.field;
  }

  get movedTo(): string | undefined {
    return this.details.movedTo;
  }

  get errors(): readonly FieldError[] {
    return this.details.errors ?? [];
  }
}

/** "first message (and N more)" — the one-line summary of several field errors. */
export function summarizeFieldErrors(errors: readonly FieldError[]): string {
  const first = errors[0]?.message ?? 'invalid settings';
  return errors.length > 1 ? `${first} (and ${errors.length - 1} more)` : first;
}

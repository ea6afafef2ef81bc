import { readFile } from 'node:fs/promises';

import type { Settings, SettingsProblem } from '../../shared/types.js';
import { isValidUuid } from '../boot/guest-rules.js';

import { SettingsError, summarizeFieldErrors, type FieldError } from './settings-error.js';
import { findJsonError } from './json-position.js';
import { MigrationError, migrate } from './migrations.js';
import { defaultSettings } from './schema.js';
import { validateSettings, type ValidationContext } from './validate.js';

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

/** Problems of a file that is usable: misfits (errors) and unknown keys (warnings, kept). */
export function toProblems(
  misfits: readonly FieldError[],
  unknown: Readonly<Record<string, unknown>>,
): SettingsProblem[] {
  return [
    ...misfits.map((p) => ({ field: p.field, message: p.message, severity: 'error' as const })),
    ...Object.keys(unknown).map((key) => ({
      field: key,
      message: `${key}: unknown setting, kept as it is (this Dlite does not use it)`,
      severity: 'warning' as const,
    })),
  ];
}

/** A file read from disk: usable settings, or why not (with the bytes, to recover the uuid). */
export type ReadResult =
  | {
      readonly usable: true;
      readonly settings: Settings;
      readonly unknown: Readonly<Record<string, unknown>>;
      readonly problems: SettingsProblem[];
      readonly existed: boolean;
      /** The file's bytes when it needs saving in the current schema (migrated). */
      readonly migratedFrom?: { readonly version: number; readonly bytes: Buffer };
    }
  | {
      readonly usable: false;
      readonly error: SettingsError;
      readonly text: string | null;
      /** Bad JSON or wrong types: `init` may move it aside. Unreadable or newer files: never. */
      readonly replaceable: boolean;
    };

/** The uuid in a file that is not usable, when it still holds a valid one. */
export function recoverUuid(text: string | null): string | null {
  if (text === null) return null;
  try {
    const raw = JSON.parse(text) as { uuid?: unknown } | null;
    if (typeof raw?.uuid === 'string' && isValidUuid(raw.uuid)) return raw.uuid;
  } catch {
    // not JSON: look for the key below
  }
  const m = /"uuid"\s*:\s*"([0-9A-Fa-f-]{36})"/.exec(text);
  return m?.[1] !== undefined && isValidUuid(m[1]) ? m[1] : null;
}

/**
 * Reads, migrates (in memory) and validates `file` without changing anything on disk. A missing
 * file is this machine's defaults; anything that makes the file unusable comes back as its
 * {@link SettingsError}, with the text so a uuid can be recovered.
 */
export async function readSettingsFile(file: string, ctx: ValidationContext): Promise<ReadResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = errno(e);
    if (code === 'ENOENT') {
      return {
        usable: true,
        settings: defaultSettings(ctx.host),
        unknown: {},
        problems: [],
        existed: false,
      };
    }
    const why =
      code === 'EISDIR'
        ? 'is a folder, not a file; move it away'
        : `cannot be read (${code ?? (e as Error).message}); check its owner and permissions`;
    return {
      usable: false,
      text: null,
      replaceable: false,
      error: new SettingsError('config-unreadable', `${file}: ${why}`, {
        file,
        ...(code ? { errno: code } : {}),
      }),
    };
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    const pos = findJsonError(text);
    const where = pos === null ? 'an unknown position' : `line ${pos.line}, column ${pos.column}`;
    const error = new SettingsError(
      'config-unreadable',
      `${file}: not valid JSON at ${where}; fix it, or run 'dlite install' to start from defaults (the file is then kept beside it)`,
      { file, field: 'settings' },
    );
    return { usable: false, text, error, replaceable: true };
  }
  const invalid = (errors: FieldError[]): ReadResult => ({
    usable: false,
    text,
    replaceable: true,
    error: new SettingsError(
      'invalid-settings',
      `${file}: ${summarizeFieldErrors(errors)}; fix it, or run 'dlite install' to start from defaults (the file is then kept beside it)`,
      { file, errors },
    ),
  });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return invalid([{ field: 'settings', message: 'settings: must be a JSON object' }]);
  }
  let migrated: ReturnType<typeof migrate>;
  try {
    migrated = migrate(raw as Record<string, unknown>);
  } catch (e) {
    if (!(e instanceof MigrationError)) throw e;
    if (e.kind === 'newer') {
      return {
        usable: false,
        text,
        replaceable: false,
        error: new SettingsError('config-unreadable', `${file}: ${e.message} (the file was left untouched)`, {
          file,
          field: e.field,
        }),
      };
    }
    return invalid([{ field: e.field, message: e.message }]);
  }
  const older = migrated.from < migrated.to;
  const candidate = older ? { ...defaultSettings(ctx.host), ...migrated.settings } : migrated.settings;
  const result = validateSettings(candidate, ctx);
  if (!result.ok) return invalid(result.errors);
  return {
    usable: true,
    settings: result.settings,
    unknown: result.unknown,
    problems: toProblems(result.problems, result.unknown),
    existed: true,
    ...(older ? { migratedFrom: { version: migrated.from, bytes } } : {}),
  };
}

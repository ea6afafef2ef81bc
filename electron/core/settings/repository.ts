import { copyFile, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { Settings, SettingsProblem } from '../../shared/types.js';
import { isValidUuid } from '../boot/guest-rules.js';
import type { DlitePaths } from '../paths.js';

import { classifyChanges, type SettingsChanges } from './diff.js';
import { SettingsError, summarizeFieldErrors, type FieldError } from './errors.js';
import { findJsonError } from './json-position.js';
import { MigrationError, migrate } from './migrations.js';
import { defaultSettings, hostFacts, serializeSettings } from './schema.js';
import { validatePatch, validateSettings, type ValidationContext } from './validate.js';

export interface SettingsRepositoryOptions {
  /** Clock for the name of a moved-aside file. Defaults to `new Date()`. */
  readonly now?: () => Date;
}

/** The stored settings and what is wrong with them without making them unusable. */
export interface LoadedSettings {
  readonly settings: Settings;
  /** Values that do not fit this machine (`error`: start refuses) and unknown keys kept (`warning`). */
  readonly problems: readonly SettingsProblem[];
  /** False when there is no file yet (the settings are this machine's defaults). */
  readonly existed: boolean;
}

export interface SettingsUpdateResult {
  readonly settings: Settings;
  readonly changes: SettingsChanges;
  readonly problems: readonly SettingsProblem[];
}

export interface SettingsInitResult {
  readonly settings: Settings;
  readonly problems: readonly SettingsProblem[];
  /** Where an unusable file was moved before the new one was written. */
  readonly movedTo?: string;
  /** With `movedTo`: true when the uuid (the disk's identity) was taken from the moved file. */
  readonly uuidRecovered?: boolean;
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

/** A {@link ValidationContext} for this machine: `os` facts and the size of `paths.disk`. */
export async function hostValidationContext(
  paths: Pick<DlitePaths, 'disk'>,
  availableHypervisors?: ValidationContext['availableHypervisors'],
): Promise<ValidationContext> {
  let currentDiskBytes: number | null = null;
  try {
    currentDiskBytes = (await stat(paths.disk)).size;
  } catch (e) {
    if (errno(e) !== 'ENOENT') throw e;
  }
  return {
    host: hostFacts(),
    currentDiskBytes,
    ...(availableHypervisors ? { availableHypervisors } : {}),
  };
}

/** Problems of a file that is usable: misfits (errors) and unknown keys (warnings, kept). */
function toProblems(
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
type ReadResult =
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
function recoverUuid(text: string | null): string | null {
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
 * `config.json` (`paths.config`) on disk. The file MUST never be lost:
 * - a file that parses and matches the schema is used as it is, whatever this machine is: values
 *   that do not fit it are reported as problems and unknown keys are kept;
 * - a file that does not parse, has wrong types or comes from a newer Dlite is reported and left in
 *   place; only {@link init} (`dlite install`) moves such a file aside, byte for byte, keeping its
 *   uuid (the disk's identity) when it still holds one;
 * - a migrated file is backed up as `config.json.bak-v<from>`; every save is atomic, with the
 *   previous version kept as `config.json.bak`; a failed save changes nothing and says so.
 * Operations on one instance run one at a time; the file is mode 0600.
 */
export class SettingsRepository {
  readonly file: string;
  private readonly now: () => Date;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(paths: Pick<DlitePaths, 'config'>, options: SettingsRepositoryOptions = {}) {
    this.file = paths.config;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * The stored settings, without writing anything (clients without a host use this). No file:
   * this machine's defaults. Throws {@link SettingsError} when the file is not usable.
   */
  inspect(ctx: ValidationContext): Promise<LoadedSettings> {
    return this.exclusive(async () => {
      const r = await this.read(ctx);
      if (!r.usable) throw r.error;
      return { settings: r.settings, problems: r.problems, existed: r.existed };
    });
  }

  /**
   * Like {@link inspect}, for the host that owns the file: an older schema is migrated and saved
   * (the original kept as `config.json.bak-v<from>`).
   */
  load(ctx: ValidationContext): Promise<LoadedSettings> {
    return this.exclusive(async () => {
      const r = await this.read(ctx);
      if (!r.usable) throw r.error;
      if (r.migratedFrom) {
        await this.guardWrite(() =>
          writeFile(`${this.file}.bak-v${r.migratedFrom!.version}`, r.migratedFrom!.bytes, { mode: 0o600 }),
        );
        await this.write(r.settings, r.unknown);
      }
      return { settings: r.settings, problems: r.problems, existed: r.existed };
    });
  }

  /**
   * Applies a patch: validates the merged settings (throws `invalid-settings` listing every
   * field error; the message is the first one plus a count). A patched value must fit this
   * machine; other values keep their problems. Saves when something changed or no file existed
   * yet. Throws the file's own error, leaving it in place, when it is not usable.
   */
  update(patch: unknown, ctx: ValidationContext): Promise<SettingsUpdateResult> {
    return this.exclusive(async () => {
      const r = await this.read(ctx);
      if (!r.usable) throw r.error;
      const result = validatePatch(r.settings, patch, ctx);
      if (!result.ok) {
        throw new SettingsError('invalid-settings', summarizeFieldErrors(result.errors), {
          file: this.file,
          errors: result.errors,
        });
      }
      const changes = classifyChanges(r.settings, result.settings);
      if (changes.changed.length > 0 || !r.existed || r.migratedFrom) {
        await this.write(result.settings, r.unknown);
      }
      return { settings: result.settings, changes, problems: toProblems(result.problems, r.unknown) };
    });
  }

  /**
   * For `dlite install` (before any host exists): merges `overrides` into the file, or into this
   * machine's defaults when there is none, validates and always writes it. An unusable file that
   * can be replaced (bad JSON, wrong types) is moved aside first and its uuid kept when it holds
   * one; one that cannot be read or comes from a newer Dlite is left alone and reported.
   * Idempotent for the same overrides.
   */
  init(overrides: unknown, ctx: ValidationContext): Promise<SettingsInitResult> {
    return this.exclusive(async () => {
      const r = await this.read(ctx);
      let base: Settings;
      let unknown: Readonly<Record<string, unknown>> = {};
      let moved: Pick<SettingsInitResult, 'movedTo' | 'uuidRecovered'> = {};
      if (r.usable) {
        base = r.settings;
        unknown = r.unknown;
      } else {
        if (!r.replaceable) throw r.error;
        const uuid = recoverUuid(r.text);
        const movedTo = await this.moveAside();
        base = { ...defaultSettings(ctx.host), ...(uuid === null ? {} : { uuid }) };
        moved = { movedTo, uuidRecovered: uuid !== null };
      }
      const result = validatePatch(base, overrides ?? {}, ctx);
      if (!result.ok) {
        throw new SettingsError('invalid-settings', summarizeFieldErrors(result.errors), {
          file: this.file,
          errors: result.errors,
        });
      }
      await this.write(result.settings, unknown);
      return { settings: result.settings, problems: toProblems(result.problems, unknown), ...moved };
    });
  }

  private exclusive<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async read(ctx: ValidationContext): Promise<ReadResult> {
    const file = this.file;
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
          error: new SettingsError(
            'config-unreadable',
            `${file}: ${e.message} (the file was left untouched)`,
            {
              file,
              field: e.field,
            },
          ),
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

  /** Renames the config file to `config.json.invalid-<ISO time, ':' → '-'>`; answers the new path. */
  private async moveAside(): Promise<string> {
    const movedTo = `${this.file}.invalid-${this.now().toISOString().replaceAll(':', '-')}`;
    await rename(this.file, movedTo);
    return movedTo;
  }

  /** Runs a write; a full disk or a refused write becomes one line naming the file, saying nothing changed. */
  private async guardWrite<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      const code = errno(e);
      if (code === 'ENOSPC' || code === 'EDQUOT') {
        throw new SettingsError(
          'disk-full',
          `${this.file}: no space left on the device; nothing was changed (free some space and try again)`,
          { file: this.file, errno: code },
        );
      }
      if (code !== undefined) {
        throw new SettingsError(
          'config-unreadable',
          `${this.file}: could not be written (${code}); nothing was changed`,
          { file: this.file, errno: code },
        );
      }
      throw e;
    }
  }

  private async write(settings: Settings, unknown: Readonly<Record<string, unknown>>): Promise<void> {
    const dir = path.dirname(this.file);
    const tmp = `${this.file}.tmp-${process.pid}`;
    await this.guardWrite(async () => {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      try {
        const handle = await open(tmp, 'w', 0o600);
        try {
          await handle.chmod(0o600);
          await handle.writeFile(serializeSettings(settings, unknown));
          await handle.sync();
        } finally {
          await handle.close();
        }
        try {
          await copyFile(this.file, `${this.file}.bak`);
        } catch (e) {
          if (errno(e) !== 'ENOENT') throw e;
        }
        await rename(tmp, this.file);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
    });
    await syncDirectory(dir);
  }
}

/** Makes a rename durable. Some file systems refuse fsync on a directory; that is not an error. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (e) {
    if (!['EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP'].includes(errno(e) ?? '')) throw e;
  }
}

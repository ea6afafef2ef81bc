import { copyFile, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { Settings } from '../../shared/types.js';
import type { DlitePaths } from '../paths.js';

import { classifyChanges, type SettingsChanges } from './diff.js';
import { SettingsError, summarizeFieldErrors } from './errors.js';
import { findJsonError } from './json-position.js';
import { MigrationError, migrate } from './migrations.js';
import { defaultSettings, hostFacts, serializeSettings } from './schema.js';
import { validatePatch, validateSettings, type ValidationContext } from './validate.js';

export interface SettingsRepositoryOptions {
  /** Clock for the name of a moved-aside file. Defaults to `new Date()`. */
  readonly now?: () => Date;
}

export interface SettingsUpdateResult {
  readonly settings: Settings;
  readonly changes: SettingsChanges;
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

function throwInvalid(file: string, errors: SettingsError['errors']): never {
  throw new SettingsError('invalid-settings', summarizeFieldErrors(errors), { file, errors });
}

/** A {@link ValidationContext} for this machine: `os` facts and the size of `paths.disk`. */
export async function hostValidationContext(paths: Pick<DlitePaths, 'disk'>): Promise<ValidationContext> {
  let currentDiskBytes: number | null = null;
  try {
    currentDiskBytes = (await stat(paths.disk)).size;
  } catch (e) {
    if (errno(e) !== 'ENOENT') throw e;
  }
  return { host: hostFacts(), currentDiskBytes };
}

/**
 * `config.json` (`paths.config`) on disk. The file MUST never be lost: an unreadable or invalid
 * file is moved aside byte-for-byte before anything else is written, a file from a newer
 * schema is left alone, a migrated file is backed up as `config.json.bak-v<from>`, and every
 * save is atomic with the previous version kept as `config.json.bak`. Operations on one
 * instance run one at a time; the file is mode 0600.
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
   * The stored settings, validated against `ctx`. No file: fresh defaults (not written until
   * {@link save}/{@link init}/{@link update}). An older schema is migrated, validated and saved.
   * Throws {@link SettingsError}: `config-unreadable` (bad JSON, moved aside; unreadable or
   * from a newer Dlite, left in place) or `invalid-settings` (moved aside).
   */
  load(ctx: ValidationContext): Promise<Settings> {
    return this.exclusive(async () => (await this.read(ctx)).settings);
  }

  /**
   * Writes `settings` atomically: `config.json.tmp-<pid>` (0600), fsync, the current file copied
   * to `config.json.bak`, rename. Does not validate: pass settings from `validateSettings`.
   */
  save(settings: Settings): Promise<void> {
    return this.exclusive(() => this.write(settings));
  }

  /**
   * Applies a patch: validates the merged settings (throws `invalid-settings` listing every
   * field error; the message is the first one plus a count) and saves when something changed
   * or no file existed yet. Answers the new settings and what changed.
   */
  update(patch: unknown, ctx: ValidationContext): Promise<SettingsUpdateResult> {
    return this.exclusive(async () => {
      const { settings: current, existed } = await this.read(ctx);
      const result = validatePatch(current, patch, ctx);
      if (!result.ok) throwInvalid(this.file, result.errors);
      const changes = classifyChanges(current, result.settings);
      if (changes.changed.length > 0 || !existed) await this.write(result.settings);
      return { settings: result.settings, changes };
    });
  }

  /**
   * For `dlite install`: merges `overrides` into the existing file, or into defaults when there
   * is none, validates and always writes the file. Idempotent for the same overrides.
   */
  init(overrides: unknown, ctx: ValidationContext): Promise<Settings> {
    return this.exclusive(async () => {
      const { settings: base } = await this.read(ctx);
      const result = validatePatch(base, overrides ?? {}, ctx);
      if (!result.ok) throwInvalid(this.file, result.errors);
      await this.write(result.settings);
      return result.settings;
    });
  }

  private exclusive<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async read(ctx: ValidationContext): Promise<{ settings: Settings; existed: boolean }> {
    const file = this.file;
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (e) {
      if (errno(e) === 'ENOENT') return { settings: defaultSettings(ctx.host), existed: false };
      throw new SettingsError(
        'config-unreadable',
        `${file}: cannot be read (${errno(e) ?? (e as Error).message}); check its owner and permissions`,
        { file },
      );
    }
    const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      const pos = findJsonError(text);
      const where = pos === null ? 'an unknown position' : `line ${pos.line}, column ${pos.column}`;
      const movedTo = await this.moveAside();
      throw new SettingsError(
        'config-unreadable',
        `${file}: not valid JSON at ${where}; moved to ${movedTo} (fix it and move it back, or Dlite starts from defaults)`,
        { file, movedTo },
      );
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return this.rejectInvalid([{ field: 'settings', message: 'settings: must be a JSON object' }]);
    }

    let migrated: ReturnType<typeof migrate>;
    try {
      migrated = migrate(raw as Record<string, unknown>);
    } catch (e) {
      if (!(e instanceof MigrationError)) throw e;
      if (e.kind === 'newer') {
        throw new SettingsError('config-unreadable', `${file}: ${e.message} (the file was left untouched)`, {
          file,
          field: e.field,
        });
      }
      return this.rejectInvalid([{ field: e.field, message: e.message }]);
    }
    const candidate =
      migrated.from < migrated.to
        ? { ...defaultSettings(ctx.host), ...migrated.settings }
        : migrated.settings;
    const result = validateSettings(candidate, ctx);
    if (!result.ok) return this.rejectInvalid(result.errors);
    if (migrated.from < migrated.to) {
      await writeFile(`${file}.bak-v${migrated.from}`, bytes, { mode: 0o600 });
      await this.write(result.settings);
    }
    return { settings: result.settings, existed: true };
  }

  private async rejectInvalid(errors: SettingsError['errors']): Promise<never> {
    const movedTo = await this.moveAside();
    throw new SettingsError(
      'invalid-settings',
      `${this.file}: ${summarizeFieldErrors(errors)}; moved to ${movedTo}`,
      { file: this.file, errors, movedTo },
    );
  }

  /** Renames the config file to `config.json.invalid-<ISO time, ':' → '-'>`; answers the new path. */
  private async moveAside(): Promise<string> {
    const movedTo = `${this.file}.invalid-${this.now().toISOString().replaceAll(':', '-')}`;
    await rename(this.file, movedTo);
    return movedTo;
  }

  private async write(settings: Settings): Promise<void> {
    const dir = path.dirname(this.file);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp-${process.pid}`;
    try {
      const handle = await open(tmp, 'w', 0o600);
      try {
        await handle.chmod(0o600);
        await handle.writeFile(serializeSettings(settings));
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

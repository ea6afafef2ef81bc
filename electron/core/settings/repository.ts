import { copyFile, mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { Settings, SettingsProblem } from '../../shared/types.js';
import type { DlitePaths } from '../paths.js';

import { classifyChanges, type SettingsChanges } from './diff.js';
import { SettingsError, summarizeFieldErrors } from './settings-error.js';
import { defaultSettings, hostFacts, serializeSettings } from './schema.js';
import { readSettingsFile, recoverUuid, toProblems, type ReadResult } from './settings-file.js';
import { validatePatch, type ValidationContext } from './validate.js';

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
  hypervisorProblem?: ValidationContext['hypervisorProblem'],
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
    ...(hypervisorProblem ? { hypervisorProblem } : {}),
  };
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

  private read(ctx: ValidationContext): Promise<ReadResult> {
    return readSettingsFile(this.file, ctx);
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

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { HostFacts, ValidationContext } from '../../../electron/core/settings/index.js';
import type { Settings } from '../../../electron/shared/types.js';
import { settingsFixture } from '../../fixtures/settings.js';

/** A 2-core, 8 GiB Mac; `share` directories are checked on the real file system. */
export const MAC: HostFacts = { platform: 'darwin', homedir: '/Users/me', cpus: 2, memoryGiB: 8 };

/** The file the original dlite 1.x wrote (REFERENCE.md §0.1), as its users have it. */
export const ORIGINAL_FILE =
  '{"uuid":"9A1C7B2E-5F0D-4C3B-8E6A-1D2F3A4B5C6D","cpu_count":1,"memory":2,"hostname":"local.docker","share":"/Users"}';

export function validSettings(share: string, overrides: Partial<Settings> = {}): Settings {
  return settingsFixture({ share, ...overrides });
}

export function context(overrides: Partial<ValidationContext> = {}): ValidationContext {
  return { host: MAC, currentDiskBytes: null, ...overrides };
}

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

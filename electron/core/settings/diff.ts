import type { Settings, SettingsKey } from '../../shared/types.js';

import { SETTINGS_KEYS } from './schema.js';

/**
 * Settings the supervisor applies to a running VM without a restart: registry mirrors (rewrite
 * daemon.json, SIGHUP dockerd), `auto_restart`, `use_docker_context`, `idle_stop_minutes`,
 * `restart_to_free_memory`, the OS update settings and `privileged_changes` (host-side only; an
 * update is used at the next start, and the latter takes effect at the next start's
 * host-integration step).
 */
export const LIVE_KEYS: ReadonlySet<SettingsKey> = new Set<SettingsKey>([
  'registry_mirrors',
  'auto_restart',
  'use_docker_context',
  'os_channel_url',
  'os_version',
  'privileged_changes',
  'idle_stop_minutes',
  'restart_to_free_memory',
]);

export interface SettingsChanges {
  /** Every key whose value differs, in file order. */
  readonly changed: SettingsKey[];
  /** Changed keys that take effect only after the VM restarts. */
  readonly restartRequired: SettingsKey[];
  /** Changed keys that can be applied to a running VM. */
  readonly live: SettingsKey[];
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
  }
  return Object.is(a, b);
}

/**
 * Which keys differ between `before` and `after`, split into live and restart-required.
 * Lists compare element by element (order matters: dockerd tries mirrors in order).
 */
export function classifyChanges(before: Settings, after: Settings): SettingsChanges {
  const changed = SETTINGS_KEYS.filter((key) => !same(before[key], after[key]));
  return {
    changed,
    restartRequired: changed.filter((key) => !LIVE_KEYS.has(key)),
    live: changed.filter((key) => LIVE_KEYS.has(key)),
  };
}

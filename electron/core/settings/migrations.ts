import { CURRENT_SCHEMA_VERSION, DEFAULT_IDLE_STOP_MINUTES, DEFAULT_OS_CHANNEL_URL } from './schema.js';
import { splitShellWords } from './shell-words.js';

/** A raw, parsed `config.json` object; migrations edit it in place. */
export type RawSettings = Record<string, unknown>;

function setDefault(raw: RawSettings, key: string, value: unknown): void {
  if (raw[key] === undefined) raw[key] = value;
}

/**
 * Version 0 → 1. Version 0 is the original dlite's file
 * `{"uuid","cpu_count","memory","hostname","share"}` (dlite 1.x, utils/config.go). dlite 2.x
 * (config/config.go) had no `share` but wrote `disk_size`, `dns_server` (one address, possibly
 * empty), `extra` (extra dockerd flags as one string), `docker_version` and `route`; those are
 * tolerated: `dns_server` becomes `dns: [it]`, `extra` is split shell-like into `docker_args`
 * (and is validated against the allow-list like any other), `docker_version` (the engine now
 * ships with the OS image) and `route` (no host route is needed) are dropped. A missing `share`
 * is filled from the host defaults by the repository, not here: this table is host-independent.
 * `docker_tcp` starts false even though the original always listened on TCP 2375: that port is
 * unauthenticated, so it is opt-in now.
 */
function v0ToV1(raw: RawSettings): void {
  if (raw['dns'] === undefined && typeof raw['dns_server'] === 'string') {
    const server = raw['dns_server'].trim();
    raw['dns'] = server === '' ? [] : [server];
  }
  if (raw['docker_args'] === undefined && typeof raw['extra'] === 'string') {
    try {
      raw['docker_args'] = splitShellWords(raw['extra']);
    } catch (e) {
      throw new MigrationError(
        'malformed',
        'extra',
        `extra: cannot be read as dockerd flags: ${(e as Error).message}`,
      );
    }
  }
  for (const legacy of ['dns_server', 'extra', 'docker_version', 'route']) delete raw[legacy];
  setDefault(raw, 'disk_size', 20);
  setDefault(raw, 'hypervisor', 'auto');
  setDefault(raw, 'registry_mirrors', []);
  setDefault(raw, 'docker_args', []);
  setDefault(raw, 'docker_tcp', false);
  setDefault(raw, 'dns', []);
  setDefault(raw, 'auto_restart', false);
}

/** Version 1 → 2: adds `use_docker_context` (off: switching the user's docker context is opt-in). */
function v1ToV2(raw: RawSettings): void {
  setDefault(raw, 'use_docker_context', false);
}

/**
 * Version 2 → 3: OS releases, host integration and idle sleep.
 * - `os_channel_url` (the project's release index) and `os_version` (`latest`). The original
 *   dlite's `-v/--os-version` was an install flag, never a key of config.json.
 * - `docker_socket_link` off (replacing `/var/run/docker.sock` is opt-in), `privileged_changes: ask`
 *   (system files change only after one explained prompt), and empty `xhyve_binary`/`vfkit_binary`
 *   (look the binary up).
 * - `idle_stop_minutes` with its default: the VM sleeps when nothing uses it, and docker.sock wakes
 *   it (see {@link DEFAULT_IDLE_STOP_MINUTES}).
 * - `restart_to_free_memory` off: restarting the VM to shrink a footprint the hypervisor cannot
 *   return (xhyve, vfkit) costs a boot, so it is opt-in.
 */
function v2ToV3(raw: RawSettings): void {
  setDefault(raw, 'os_channel_url', DEFAULT_OS_CHANNEL_URL);
  setDefault(raw, 'os_version', 'latest');
  setDefault(raw, 'docker_socket_link', false);
  setDefault(raw, 'privileged_changes', 'ask');
  setDefault(raw, 'xhyve_binary', '');
  setDefault(raw, 'vfkit_binary', '');
  setDefault(raw, 'idle_stop_minutes', DEFAULT_IDLE_STOP_MINUTES);
  setDefault(raw, 'restart_to_free_memory', false);
}

/**
 * The migration table, keyed by the version a step migrates FROM (Rancher Desktop's
 * `updateTable` shape). Each step edits the object in place and MUST NOT touch `schema_version`;
 * {@link migrate} sets it. Steps are host-independent and idempotent on already-migrated keys.
 */
export const MIGRATIONS: Record<number, (raw: RawSettings) => void> = {
  0: v0ToV1,
  1: v1ToV2,
  2: v2ToV3,
};

/**
 * Why a file could not be migrated. `newer`: written by a newer Dlite; `malformed`: a bad
 * `schema_version` or legacy value. `field` names the offending key.
 */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly kind: 'newer' | 'malformed',
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export interface MigrationResult {
  /** A migrated copy; the input is left untouched. Not yet validated. */
  readonly settings: RawSettings;
  readonly from: number;
  readonly to: number;
}

/**
 * Runs every step from the file's `schema_version` (absent = 0) up to
 * {@link CURRENT_SCHEMA_VERSION} on a deep copy. Throws {@link MigrationError} `newer` for a
 * file from a newer schema (it MUST NOT be downgraded or overwritten) and `malformed` when
 * `schema_version` is not a non-negative integer.
 */
export function migrate(raw: RawSettings): MigrationResult {
  const version = 'schema_version' in raw ? raw['schema_version'] : 0;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    throw new MigrationError(
      'malformed',
      'schema_version',
      `schema_version: must be an integer between 0 and ${CURRENT_SCHEMA_VERSION}, got ${JSON.stringify(version)}`,
    );
  }
  if (version > CURRENT_SCHEMA_VERSION) {
    throw new MigrationError(
      'newer',
      'schema_version',
      `schema_version ${version} is newer than this Dlite understands (up to ${CURRENT_SCHEMA_VERSION}); update Dlite`,
    );
  }
  const settings = structuredClone(raw);
  for (let v = version; v < CURRENT_SCHEMA_VERSION; v += 1) {
    const step = MIGRATIONS[v];
    if (step === undefined) throw new Error(`internal: no settings migration from version ${v}`);
    step(settings);
  }
  settings['schema_version'] = CURRENT_SCHEMA_VERSION;
  return { settings, from: version, to: CURRENT_SCHEMA_VERSION };
}

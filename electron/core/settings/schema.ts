import { randomUUID } from 'node:crypto';
import os from 'node:os';

import type { Settings, SettingsKey } from '../../shared/types.js';

/**
 * The schema version this build writes. Bump it together with a new step in `MIGRATIONS`
 * (migrations.ts). Files without `schema_version` are the original dlite's (version 0).
 */
export const CURRENT_SCHEMA_VERSION = 3;

/** The facts about the host that defaults and limits depend on. */
export interface HostFacts {
  readonly platform: NodeJS.Platform;
  readonly homedir: string;
  /** Logical CPU cores, at least 1. */
  readonly cpus: number;
  /** Physical memory in GiB (may be fractional). */
  readonly memoryGiB: number;
}

/** Reads {@link HostFacts} from `node:os`. */
export function hostFacts(): HostFacts {
  return {
    platform: process.platform,
    homedir: os.homedir(),
    cpus: Math.max(1, os.cpus().length),
    memoryGiB: os.totalmem() / 2 ** 30,
  };
}

/**
 * Every key of `config.json`, in the order it is written: the original dlite's seed keys first
 * (`uuid, cpu_count, memory, hostname, share`) so its users recognise the file, then ours.
 */
export const SETTINGS_FILE_KEYS = [
  'uuid',
  'cpu_count',
  'memory',
  'hostname',
  'share',
  'schema_version',
  'disk_size',
  'hypervisor',
  'registry_mirrors',
  'docker_args',
  'docker_tcp',
  'dns',
  'auto_restart',
  'use_docker_context',
  'os_channel_url',
  'os_version',
  'docker_socket_link',
  'privileged_changes',
  'xhyve_binary',
  'vfkit_binary',
  'idle_stop_minutes',
  'restart_to_free_memory',
] as const satisfies readonly (keyof Settings)[];

/** The keys a user may change (`dlite config set`, the settings window): all but `uuid`/`schema_version`. */
export const SETTINGS_KEYS: readonly SettingsKey[] = SETTINGS_FILE_KEYS.filter(
  (k): k is Exclude<(typeof SETTINGS_FILE_KEYS)[number], 'uuid' | 'schema_version'> =>
    k !== 'uuid' && k !== 'schema_version',
);

/**
 * Where DhyveOS releases are published: the release index of the project's latest release
 * (build/os/README.md, "Release index"). Relative file URLs in it resolve against this URL.
 */
export const DEFAULT_OS_CHANNEL_URL =
  'https://github.com/dlite-app/dlite/releases/latest/download/index.json';
/** Longest idle time before the VM sleeps, in minutes (a day). */
export const MAX_IDLE_STOP_MINUTES = 1440;

/**
 * Default `idle_stop_minutes`: 10. Long enough that the pauses of an edit-build-run loop never pay
 * a wake (anything running in a container keeps the VM awake anyway), short enough that a meeting or
 * lunch costs no CPU or memory. Waking from a saved state takes seconds, so a short setting costs
 * little; Docker Desktop's Resource Saver waits 5 minutes but then needs a cold start.
 */
export const DEFAULT_IDLE_STOP_MINUTES = 10;

/** Largest disk image accepted, in GiB. */
export const MAX_DISK_GIB = 2048;

/** The most CPUs any setting may ask for, whatever the machine (a host check narrows it). */
export const MAX_CPUS = 256;

/** The most memory any setting may ask for, in GiB, whatever the machine (a host check narrows it). */
export const MAX_MEMORY_GIB = 4096;

/** The VM memory ceiling on this host in GiB: all of it but 1 GiB for macOS, at least 1. */
export function maxMemoryGiB(host: HostFacts): number {
  return Math.max(1, Math.floor(host.memoryGiB) - 1);
}

/**
 * Fresh settings for this host. Pure apart from the random uuid.
 *
 * - `uuid`: a random RFC 4122 v4 UUID in lowercase (the form `crypto.randomUUID` and the RFC
 *   give; xhyve's `-U` and the guest accept either case, and validation accepts the original's
 *   uppercase `uuidgen` output too).
 * - `cpu_count`: min(2, host cores). The original defaulted to 1, which makes image builds and
 *   compose stacks crawl; 2 is still a small share of any Mac, and never more than the host has.
 * - `memory`: 2 GiB (the original's default), lowered to {@link maxMemoryGiB} on tiny hosts.
 * - `share`: `/Users` on macOS (as the original), the home folder elsewhere.
 */
export function defaultSettings(host: HostFacts): Settings {
  return {
    uuid: randomUUID(),
    cpu_count: Math.min(2, Math.max(1, host.cpus)),
    memory: Math.min(2, maxMemoryGiB(host)),
    hostname: 'local.docker',
    share: host.platform === 'darwin' ? '/Users' : host.homedir,
    schema_version: CURRENT_SCHEMA_VERSION,
    disk_size: 20,
    hypervisor: 'auto',
    registry_mirrors: [],
    docker_args: [],
    docker_tcp: false,
    dns: [],
    auto_restart: false,
    use_docker_context: false,
    os_channel_url: DEFAULT_OS_CHANNEL_URL,
    os_version: 'latest',
    docker_socket_link: false,
    privileged_changes: 'ask',
    xhyve_binary: '',
    vfkit_binary: '',
    idle_stop_minutes: DEFAULT_IDLE_STOP_MINUTES,
    restart_to_free_memory: false,
  };
}

/**
 * `settings` as `config.json` text: keys in {@link SETTINGS_FILE_KEYS} order, then the `unknown`
 * keys the file had (kept as they were), 2-space JSON, trailing newline.
 */
export function serializeSettings(
  settings: Settings,
  unknown: Readonly<Record<string, unknown>> = {},
): string {
  const ordered: Record<string, unknown> = {};
  for (const key of SETTINGS_FILE_KEYS) ordered[key] = settings[key];
  for (const [key, value] of Object.entries(unknown)) if (!(key in ordered)) ordered[key] = value;
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

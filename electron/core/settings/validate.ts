import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';

import { HYPERVISORS, PRIVILEGED_CHANGES, type HypervisorName, type Settings } from '../../shared/types.js';
import { isValidHostname, isValidUuid, shareMountProblem } from '../boot/guest-rules.js';
import { isReleaseVersion } from '../os-image/release-version.js';

import { checkDockerArgs } from './dockerd-flags.js';
import type { FieldError } from './settings-error.js';
import {
  CURRENT_SCHEMA_VERSION,
  MAX_CPUS,
  MAX_DISK_GIB,
  MAX_MEMORY_GIB,
  MAX_IDLE_STOP_MINUTES,
  SETTINGS_FILE_KEYS,
  SETTINGS_KEYS,
  maxMemoryGiB,
  type HostFacts,
} from './schema.js';

export type { FieldError } from './settings-error.js';

/** What validation needs to know about the machine and the VM's current disk. */
export interface ValidationContext {
  readonly host: HostFacts;
  /** Size of the existing disk image in bytes, or null when there is none yet. */
  readonly currentDiskBytes: number | null;
  /** True when `p` is an existing directory. Defaults to a `statSync` check. */
  readonly pathExists?: (p: string) => boolean;
  /** Hypervisors installed on this machine; unchecked when absent. */
  readonly availableHypervisors?: ReadonlySet<HypervisorName>;
  /**
   * Why a hypervisor can never run on this machine (the driver registry's one-line reason, e.g.
   * xhyve off an Intel Mac), or null; preferred over "not installed" when it applies.
   */
  readonly hypervisorProblem?: (name: HypervisorName) => string | null;
}

/**
 * A file's settings after validation. `problems` are values that are valid settings but do not fit
 * this machine (more memory or CPUs than it has, a share that is not mounted, a hypervisor that is
 * not installed): the file is kept as it is, `start` refuses them and `status`/`doctor` show them.
 * `unknown` holds keys this Dlite does not know, kept as they are.
 */
export type ValidationResult =
  | {
      readonly ok: true;
      readonly settings: Settings;
      readonly problems: FieldError[];
      readonly unknown: Readonly<Record<string, unknown>>;
    }
  | { readonly ok: false; readonly errors: FieldError[] };

const GIB = 2 ** 30;
/** The problem of one item of a list field. */
interface ItemProblem {
  readonly index: number;
  readonly message: string;
}

/** A field's problem: one message, or one per bad list item; null when valid. */
type Check = (value: unknown) => string | readonly ItemProblem[] | null;
type HostCheck<K extends keyof Settings> = (value: Settings[K], ctx: ValidationContext) => string | null;

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function machine(host: HostFacts): string {
  return host.platform === 'darwin' ? 'this Mac' : 'this machine';
}

function integerIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function boolean(value: unknown): string | null {
  return typeof value === 'boolean' ? null : 'must be true or false';
}

/** Checks a list of strings: each item with `item`, and refuses duplicates; one problem per bad item. */
function stringList(
  value: unknown,
  item: (s: string) => string | null,
): string | readonly ItemProblem[] | null {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return 'must be a list of strings';
  const seen = new Set<string>();
  const problems: ItemProblem[] = [];
  value.forEach((s: string, index) => {
    const problem = item(s) ?? (seen.has(s) ? `${JSON.stringify(s)} is listed twice` : null);
    if (problem !== null) problems.push({ index, message: problem });
    seen.add(s);
  });
  return problems.length > 0 ? problems : null;
}

export { isValidHostname } from '../boot/guest-rules.js';

/** '' (look it up) or an absolute path without newlines; existence is the driver's check at start. */
function binaryPath(v: unknown): string | null {
  if (v === '') return null;
  return typeof v === 'string' && path.isAbsolute(v) && !/[\n\r\0]/.test(v)
    ? null
    : `must be '' (look it up) or the absolute path of the binary, got ${JSON.stringify(v)}`;
}

function mirror(url: string): string | null {
  const rule = 'must be an http:// or https:// URL without credentials';
  if (/\s/.test(url)) return `${JSON.stringify(url)} ${rule} or whitespace`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${JSON.stringify(url)} ${rule}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `${JSON.stringify(url)} ${rule}`;
  if (parsed.username !== '' || parsed.password !== '') return `${JSON.stringify(url)} ${rule}`;
  return null;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** The release index URL: https, or http on this machine only (a local channel); no credentials. */
function channelUrl(value: unknown): string | null {
  const rule = 'must be an https:// URL (http:// only for localhost, 127.0.0.1 or [::1]) without credentials';
  if (typeof value !== 'string' || /\s/.test(value)) return `${rule}, got ${JSON.stringify(value)}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${rule}, got ${JSON.stringify(value)}`;
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  return secure && url.username === '' && url.password === ''
    ? null
    : `${rule}, got ${JSON.stringify(value)}`;
}

/** The form of each value: type, range independent of this machine, and what the guest accepts. */
const CHECKS: Record<(typeof SETTINGS_FILE_KEYS)[number], Check> = {
  schema_version: (v) => (v === CURRENT_SCHEMA_VERSION ? null : `must be ${CURRENT_SCHEMA_VERSION}`),
  uuid: (v) => (typeof v === 'string' && isValidUuid(v) ? null : 'must be a UUID (8-4-4-4-12 hex digits)'),
  cpu_count: (v) => (integerIn(v, 1, MAX_CPUS) ? null : `must be an integer between 1 and ${MAX_CPUS}`),
  memory: (v) =>
    integerIn(v, 1, MAX_MEMORY_GIB)
      ? null
      : `must be an integer number of GiB between 1 and ${MAX_MEMORY_GIB}`,
  disk_size: (v) =>
    integerIn(v, 1, MAX_DISK_GIB) ? null : `must be an integer number of GiB between 1 and ${MAX_DISK_GIB}`,
  hostname: (v) =>
    typeof v === 'string' && isValidHostname(v)
      ? null
      : `must be a host name of dot-separated labels of 1-63 letters, digits or '-' (not starting or ending with '-'), at most 253 characters, got ${JSON.stringify(v)}`,
  share: (v) => {
    if (typeof v !== 'string') return `must be the absolute path of a folder, got ${JSON.stringify(v)}`;
    const problem = shareMountProblem(v);
    return problem === null ? null : `${problem}, got ${JSON.stringify(v)}`;
  },
  hypervisor: (v) =>
    typeof v === 'string' && (HYPERVISORS as readonly string[]).includes(v)
      ? null
      : `must be one of ${HYPERVISORS.join(', ')}, got ${JSON.stringify(v)}`,
  registry_mirrors: (v) => stringList(v, mirror),
  docker_args: (v) =>
    Array.isArray(v) && v.every((s) => typeof s === 'string')
      ? checkDockerArgs(v)
      : 'must be a list of strings',
  docker_tcp: boolean,
  dns: (v) =>
    stringList(v, (s) => (isIP(s) === 0 ? `${JSON.stringify(s)} is not an IPv4 or IPv6 address` : null)),
  auto_restart: boolean,
  use_docker_context: boolean,
  os_channel_url: channelUrl,
  os_version: (v) =>
    v === 'latest' || isReleaseVersion(v)
      ? null
      : `must be "latest" or a release version such as 0.2.0, got ${JSON.stringify(v)}`,
  docker_socket_link: boolean,
  privileged_changes: (v) =>
    typeof v === 'string' && (PRIVILEGED_CHANGES as readonly string[]).includes(v)
      ? null
      : `must be one of ${PRIVILEGED_CHANGES.join(', ')}, got ${JSON.stringify(v)}`,
  xhyve_binary: binaryPath,
  vfkit_binary: binaryPath,
  idle_stop_minutes: (v) =>
    integerIn(v, 0, MAX_IDLE_STOP_MINUTES)
      ? null
      : `must be a whole number of minutes between 0 (never) and ${MAX_IDLE_STOP_MINUTES}, got ${JSON.stringify(v)}`,
  restart_to_free_memory: boolean,
};

/** Whether a valid value fits this machine. A misfit is a problem, never a reason to drop the file. */
const HOST_CHECKS: { [K in keyof Settings]?: HostCheck<K> } = {
  cpu_count: (v, { host }) =>
    v <= host.cpus
      ? null
      : `is ${v}, more than ${machine(host)} has (${host.cpus} core${host.cpus === 1 ? '' : 's'}); use 1 to ${host.cpus}`,
  memory: (v, { host }) => {
    const max = maxMemoryGiB(host);
    return v <= max
      ? null
      : `is ${v} GiB, more than ${machine(host)} can give (${Math.round(host.memoryGiB)} GiB, 1 GiB stays with the host); use 1 to ${max}`;
  },
  disk_size: (v, { currentDiskBytes }) => {
    const current = currentDiskBytes === null ? 0 : Math.ceil(currentDiskBytes / GIB);
    return v >= current
      ? null
      : `is ${v} GiB, but the disk image is already ${current} GiB and cannot shrink; use ${current} or more`;
  },
  share: (v, ctx) =>
    (ctx.pathExists ?? isDirectory)(v)
      ? null
      : `${JSON.stringify(v)} is not an existing folder on ${machine(ctx.host)} (not mounted?)`,
  hypervisor: (v, { availableHypervisors, hypervisorProblem }) => {
    if (v === 'auto') return null;
    const never = hypervisorProblem?.(v) ?? null;
    if (never !== null) return never;
    return availableHypervisors === undefined || availableHypervisors.has(v)
      ? null
      : `${v} is not available on this machine (available: ${[...availableHypervisors].join(', ') || 'none'})`;
  },
};

const KNOWN = new Set<string>(SETTINGS_FILE_KEYS);

function unknownKey(key: string): FieldError {
  return { field: key, message: `${key}: unknown setting (valid settings: ${SETTINGS_KEYS.join(', ')})` };
}

function hostProblem(key: keyof Settings, settings: Settings, ctx: ValidationContext): FieldError | null {
  const check = HOST_CHECKS[key] as HostCheck<typeof key> | undefined;
  const problem = check?.(settings[key], ctx) ?? null;
  return problem === null ? null : { field: key, message: `${key}: ${problem}` };
}

/** The settings of `settings` that do not fit this machine (see {@link ValidationResult}). */
export function hostProblems(settings: Settings, ctx: ValidationContext): FieldError[] {
  return SETTINGS_FILE_KEYS.flatMap((key) => hostProblem(key, settings, ctx) ?? []);
}

/**
 * Validates a complete settings object (a parsed, migrated `config.json`). Reports one
 * {@link FieldError} per missing or ill-formed field, in file order; each message starts with the
 * field name and states the allowed values. A well-formed file is accepted whatever this machine
 * is: values that do not fit it come back as `problems`, unknown keys as `unknown`. Pure apart
 * from `ctx.pathExists`.
 */
export function validateSettings(candidate: unknown, ctx: ValidationContext): ValidationResult {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    return { ok: false, errors: [{ field: 'settings', message: 'settings: must be a JSON object' }] };
  }
  const raw = candidate as Record<string, unknown>;
  const errors: FieldError[] = [];
  for (const key of SETTINGS_FILE_KEYS) {
    if (raw[key] === undefined) {
      errors.push({ field: key, message: `${key}: is required` });
      continue;
    }
    const problem = CHECKS[key](raw[key]);
    if (typeof problem === 'string') errors.push({ field: key, message: `${key}: ${problem}` });
    else if (problem !== null) {
      for (const p of problem) errors.push({ field: key, index: p.index, message: `${key}: ${p.message}` });
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const settings: Record<string, unknown> = {};
  for (const key of SETTINGS_FILE_KEYS) {
    const value = raw[key];
    settings[key] = Array.isArray(value) ? [...(value as unknown[])] : value;
  }
  const unknown = Object.fromEntries(Object.entries(raw).filter(([key]) => !KNOWN.has(key)));
  const valid = settings as unknown as Settings;
  return { ok: true, settings: valid, problems: hostProblems(valid, ctx), unknown };
}

/**
 * Applies `patch` (a partial settings object from the UI or the CLI) to `current` and validates
 * the result. `uuid` and `schema_version` cannot be patched; unknown keys are named. A patched
 * value must also fit this machine; the other values keep their problems, if any. Every error is
 * reported, patch-level ones first. `current` is not modified.
 */
export function validatePatch(current: Settings, patch: unknown, ctx: ValidationContext): ValidationResult {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    return {
      ok: false,
      errors: [{ field: 'settings', message: 'settings: a change must be a JSON object' }],
    };
  }
  const errors: FieldError[] = [];
  const merged: Record<string, unknown> = { ...current };
  const patched = new Set<string>();
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (key === 'uuid' || key === 'schema_version') {
      errors.push({ field: key, message: `${key}: cannot be changed` });
    } else if (!KNOWN.has(key)) {
      errors.push(unknownKey(key));
    } else if (value !== undefined) {
      merged[key] = value;
      patched.add(key);
    }
  }
  const result = validateSettings(merged, ctx);
  if (!result.ok) return { ok: false, errors: [...errors, ...result.errors] };
  errors.push(...result.problems.filter((p) => patched.has(p.field)));
  if (errors.length > 0) return { ok: false, errors };
  return { ...result, problems: result.problems.filter((p) => !patched.has(p.field)) };
}

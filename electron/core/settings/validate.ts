import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';

import { HYPERVISORS, type Settings } from '../../shared/types.js';

import { checkDockerArgs } from './docker-args.js';
import type { FieldError } from './errors.js';
import {
  CURRENT_SCHEMA_VERSION,
  MAX_DISK_GIB,
  MAX_IDLE_STOP_MINUTES,
  SETTINGS_FILE_KEYS,
  SETTINGS_KEYS,
  maxMemoryGiB,
  type HostFacts,
} from './schema.js';

export type { FieldError } from './errors.js';

/** What validation needs to know about the machine and the VM's current disk. */
export interface ValidationContext {
  readonly host: HostFacts;
  /** Size of the existing disk image in bytes, or null when there is none yet. */
  readonly currentDiskBytes: number | null;
  /** True when `p` is an existing directory. Defaults to a `statSync` check. */
  readonly pathExists?: (p: string) => boolean;
}

export type ValidationResult =
  { readonly ok: true; readonly settings: Settings } | { readonly ok: false; readonly errors: FieldError[] };

const GIB = 2 ** 30;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOST_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

type Check = (value: unknown, ctx: ValidationContext) => string | null;

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

/** Checks a list of strings: each item with `item`, then duplicates. */
function stringList(value: unknown, item: (s: string) => string | null): string | null {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return 'must be a list of strings';
  const seen = new Set<string>();
  for (const s of value) {
    const problem = item(s);
    if (problem !== null) return problem;
    if (seen.has(s)) return `${JSON.stringify(s)} is listed twice`;
    seen.add(s);
  }
  return null;
}

/** RFC 1123 host name, case-insensitive: dot-separated labels of 1–63 [a-z0-9-], ≤ 253 in all. */
export function isValidHostname(name: string): boolean {
  return name.length <= 253 && name.split('.').every((label) => HOST_LABEL.test(label));
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

const CHECKS: Record<(typeof SETTINGS_FILE_KEYS)[number], Check> = {
  schema_version: (v) => (v === CURRENT_SCHEMA_VERSION ? null : `must be ${CURRENT_SCHEMA_VERSION}`),
  uuid: (v) => (typeof v === 'string' && UUID.test(v) ? null : 'must be a UUID (8-4-4-4-12 hex digits)'),
  cpu_count: (v, { host }) =>
    integerIn(v, 1, host.cpus)
      ? null
      : `must be an integer between 1 and ${host.cpus} (${machine(host)} has ${host.cpus} core${host.cpus === 1 ? '' : 's'})`,
  memory: (v, { host }) => {
    const max = maxMemoryGiB(host);
    return integerIn(v, 1, max)
      ? null
      : `must be an integer number of GiB between 1 and ${max} (${machine(host)} has ${Math.round(host.memoryGiB)} GiB; 1 GiB stays with the host)`;
  },
  disk_size: (v, { currentDiskBytes }) => {
    const current = currentDiskBytes === null ? 0 : Math.ceil(currentDiskBytes / GIB);
    const min = Math.max(1, current);
    if (integerIn(v, min, MAX_DISK_GIB)) return null;
    const why = current > 0 ? ` (the disk image is already ${current} GiB and cannot shrink)` : '';
    return `must be an integer number of GiB between ${min} and ${MAX_DISK_GIB}${why}`;
  },
  hostname: (v) =>
    typeof v === 'string' && isValidHostname(v)
      ? null
      : `must be a host name of dot-separated labels of 1-63 letters, digits or '-' (not starting or ending with '-'), at most 253 characters, got ${JSON.stringify(v)}`,
  share: (v, ctx) => {
    if (typeof v !== 'string' || !path.isAbsolute(v)) {
      return `must be the absolute path of an existing directory, got ${JSON.stringify(v)}`;
    }
    return (ctx.pathExists ?? isDirectory)(v)
      ? null
      : `must be the absolute path of an existing directory; ${JSON.stringify(v)} is not one`;
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
  idle_stop_minutes: (v) =>
    integerIn(v, 0, MAX_IDLE_STOP_MINUTES)
      ? null
      : `must be a whole number of minutes between 0 (never) and ${MAX_IDLE_STOP_MINUTES}, got ${JSON.stringify(v)}`,
};

const KNOWN = new Set<string>(SETTINGS_FILE_KEYS);

function unknownKey(key: string): FieldError {
  return { field: key, message: `${key}: unknown setting (valid settings: ${SETTINGS_KEYS.join(', ')})` };
}

/**
 * Validates a complete settings object (a parsed, migrated `config.json`). Reports one
 * {@link FieldError} per bad, missing or unknown field, in file order; each message starts with
 * the field name and states the allowed values. On success answers a fresh {@link Settings}
 * holding only the known keys. Pure apart from `ctx.pathExists`.
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
    const problem = CHECKS[key](raw[key], ctx);
    if (problem !== null) errors.push({ field: key, message: `${key}: ${problem}` });
  }
  for (const key of Object.keys(raw)) if (!KNOWN.has(key)) errors.push(unknownKey(key));
  if (errors.length > 0) return { ok: false, errors };
  const settings: Record<string, unknown> = {};
  for (const key of SETTINGS_FILE_KEYS) {
    const value = raw[key];
    settings[key] = Array.isArray(value) ? [...(value as unknown[])] : value;
  }
  return { ok: true, settings: settings as unknown as Settings };
}

/**
 * Applies `patch` (a partial settings object from the UI or the CLI) to `current` and validates
 * the result. `uuid` and `schema_version` cannot be patched; unknown keys are named. Every
 * problem is reported, patch-level ones first. `current` is not modified.
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
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (key === 'uuid' || key === 'schema_version') {
      errors.push({ field: key, message: `${key}: cannot be changed` });
    } else if (!KNOWN.has(key)) {
      errors.push(unknownKey(key));
    } else if (value !== undefined) {
      merged[key] = value;
    }
  }
  const result = validateSettings(merged, ctx);
  if (!result.ok) errors.push(...result.errors);
  return errors.length > 0 ? { ok: false, errors } : result;
}

import type { Settings, SettingsKey } from '../../shared/types.js';

import { SettingsError } from './settings-error.js';
import { SETTINGS_FILE_KEYS, SETTINGS_KEYS } from './schema.js';
import { quoteArg } from '../process/command-format.js';
import { splitShellWords } from './shell-words.js';

type Kind = 'integer' | 'boolean' | 'list' | 'words' | 'string';

const KINDS: Record<SettingsKey, Kind> = {
  cpu_count: 'integer',
  memory: 'integer',
  disk_size: 'integer',
  hostname: 'string',
  share: 'string',
  hypervisor: 'string',
  registry_mirrors: 'list',
  dns: 'list',
  docker_args: 'words',
  docker_tcp: 'boolean',
  auto_restart: 'boolean',
  use_docker_context: 'boolean',
  os_channel_url: 'string',
  os_version: 'string',
  docker_socket_link: 'boolean',
  privileged_changes: 'string',
  xhyve_binary: 'string',
  vfkit_binary: 'string',
  idle_stop_minutes: 'integer',
  restart_to_free_memory: 'boolean',
};

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

function invalid(key: string, message: string): SettingsError {
  return new SettingsError('invalid-settings', `${key}: ${message}`, { field: key });
}

function jsonStringArray(key: string, text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw invalid(key, `not a valid JSON array (${(e as Error).message})`);
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw invalid(key, 'must be a JSON array of strings');
  }
  return value;
}

function settableKey(key: string): SettingsKey {
  if ((SETTINGS_KEYS as readonly string[]).includes(key)) return key as SettingsKey;
  const reason = key === 'uuid' || key === 'schema_version' ? 'cannot be changed' : 'unknown setting';
  throw invalid(key, `${reason} (valid settings: ${SETTINGS_KEYS.join(', ')})`);
}

/**
 * Turns the text of `dlite config set KEY VALUE` into a value for a settings patch.
 * Integers for `cpu_count/memory/disk_size`; `true/false/yes/no/on/off/1/0` for booleans;
 * `registry_mirrors` and `dns` take a JSON array or a comma-separated list; `docker_args` takes
 * a JSON array or one string split like a shell would (quotes, backslashes) without running
 * one; other keys take the text as is. An empty text means an empty list for list keys.
 * Only the form is checked here: the value still goes through `validatePatch`.
 * Throws a {@link SettingsError} naming the key (for an unknown key, listing the valid ones).
 */
export function parseSettingValue(key: string, text: string): unknown {
  const k = settableKey(key);
  const trimmed = text.trim();
  switch (KINDS[k]) {
    case 'integer':
      if (!/^\d+$/.test(trimmed)) throw invalid(k, `must be a whole number, got ${JSON.stringify(text)}`);
      return Number(trimmed);
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (TRUE.has(lower)) return true;
      if (FALSE.has(lower)) return false;
      throw invalid(k, `must be true or false (or yes/no, on/off, 1/0), got ${JSON.stringify(text)}`);
    }
    case 'list':
      if (trimmed.startsWith('[')) return jsonStringArray(k, trimmed);
      return trimmed
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    case 'words':
      if (trimmed.startsWith('[')) return jsonStringArray(k, trimmed);
      try {
        return splitShellWords(trimmed);
      } catch (e) {
        throw invalid(k, `cannot split into flags: ${(e as Error).message}`);
      }
    case 'string':
      return trimmed;
  }
}

/**
 * The text `dlite config get KEY` prints for `value`; {@link parseSettingValue} reads it back to
 * the same value. Lists are comma-separated, `docker_args` shell-quoted and space-separated.
 * Throws a {@link SettingsError} for an unknown key.
 */
export function formatSettingValue(key: string, value: unknown): string {
  if (!(SETTINGS_FILE_KEYS as readonly string[]).includes(key)) {
    throw invalid(key, `unknown setting (valid settings: ${SETTINGS_FILE_KEYS.join(', ')})`);
  }
  if (Array.isArray(value)) {
    const items = value.map(String);
    return key === 'docker_args' ? items.map(quoteArg).join(' ') : items.join(',');
  }
  return String(value);
}

/** `formatSettingValue` for every key of `settings`, in file order (for `dlite config list`). */
export function formatSettings(settings: Settings): [key: string, text: string][] {
  return SETTINGS_FILE_KEYS.map((key) => [key, formatSettingValue(key, settings[key])]);
}

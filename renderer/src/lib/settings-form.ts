import type { ErrorDto } from '../../../electron/shared/errors.js';
import type { FieldProblem, Settings, SettingsKey, SettingsPatch } from '../../../electron/shared/types.js';

/** The settings form's working copy: settings values, or raw text the user is still typing. */
export type SettingsDraft = { [K in SettingsKey]: Settings[K] | string };

/** Human names of the settings, for badges and messages. */
export const SETTING_LABELS: Record<SettingsKey, string> = {
  cpu_count: 'CPUs',
  memory: 'Memory',
  disk_size: 'Disk size',
  hostname: 'Hostname',
  share: 'Shared folder',
  hypervisor: 'Hypervisor',
  registry_mirrors: 'Registry mirrors',
  docker_args: 'Extra daemon flags',
  docker_tcp: 'Expose Docker on TCP',
  dns: 'DNS servers',
  auto_restart: 'Restart the VM if it stops',
  use_docker_context: 'Docker context',
  os_channel_url: 'Update channel',
  os_version: 'DhyveOS version',
  docker_socket_link: 'Link /var/run/docker.sock',
  privileged_changes: 'System file changes',
  xhyve_binary: 'xhyve binary',
  vfkit_binary: 'vfkit binary',
  idle_stop_minutes: 'Sleep when idle',
  restart_to_free_memory: 'Restart to free memory',
};

/** Settings typed as text and sent as numbers. */
const NUMERIC: ReadonlySet<SettingsKey> = new Set(['cpu_count', 'memory', 'disk_size', 'idle_stop_minutes']);

/** The draft of saved settings (pure). */
export function draftOf(settings: Settings): SettingsDraft {
  const draft: Record<string, unknown> = {};
  for (const key of Object.keys(SETTING_LABELS) as SettingsKey[]) {
    const v = settings[key];
    draft[key] = Array.isArray(v) ? [...(v as string[])] : v;
  }
  return draft as SettingsDraft;
}

/** A number field's text as the value to send: a number when it reads as one, else the text (the core names the problem). */
export function numberFromText(text: string): number | string {
  const t = text.trim();
  return t !== '' && /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : text;
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}

/** The change from `saved` to `draft`: only the keys that differ (pure). */
export function patchOf(saved: Settings, draft: SettingsDraft): SettingsPatch {
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(SETTING_LABELS) as SettingsKey[]) {
    let value: unknown = draft[key];
    if (NUMERIC.has(key) && typeof value === 'string') value = numberFromText(value);
    if (!same(saved[key], value)) patch[key] = value;
  }
  return patch;
}

/** A field message without its leading `field: ` (the field is right there), capitalised. */
export function shownMessage(problem: FieldProblem): string {
  const prefix = `${problem.field}: `;
  const text = problem.message.startsWith(prefix) ? problem.message.slice(prefix.length) : problem.message;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The message for `field` (the whole field, not one list item), or null. */
export function fieldError(errors: readonly FieldProblem[], field: SettingsKey): string | null {
  const p = errors.find((e) => e.field === field && e.index === undefined);
  return p ? shownMessage(p) : null;
}

/** The messages of a list field's items, by index. */
export function itemErrors(errors: readonly FieldProblem[], field: SettingsKey): Map<number, string> {
  const out = new Map<number, string>();
  for (const e of errors) {
    if (e.field === field && e.index !== undefined && !out.has(e.index)) out.set(e.index, shownMessage(e));
  }
  return out;
}

/** Field problems carried by a failed update (`details.errors`), so Apply's errors show inline too. */
export function problemsOf(error: ErrorDto): FieldProblem[] {
  const list = error.details?.['errors'];
  if (!Array.isArray(list)) {
    const field = error.details?.['field'];
    return typeof field === 'string' ? [{ field, message: error.message }] : [];
  }
  return list.filter(
    (e): e is FieldProblem =>
      typeof e === 'object' && e !== null && typeof (e as FieldProblem).field === 'string',
  );
}

/** "Memory and CPUs" (pure). */
export function listLabels(keys: readonly SettingsKey[]): string {
  const names = keys.map((k) => SETTING_LABELS[k]);
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`;
}

import { setTimeout as sleep } from 'node:timers/promises';

import type { Settings } from '../../shared/types.js';
import type { DockerApi } from '../docker-api/docker-api.js';
import { DliteError } from '../dlite-error.js';
import type { GuestExecutor } from '../guest/guest-executor.js';

/** dockerd's config file in the guest (on the data disk; users may edit it over SSH). */
export const DAEMON_JSON = '/etc/docker/daemon.json';

export type DaemonSettings = Pick<Settings, 'registry_mirrors' | 'dns'>;

/**
 * `current` with the keys Dlite owns (`registry-mirrors`, `dns`) replaced by `settings`; every
 * other key is kept as the user left it. An empty list removes the key (dockerd's default).
 * Pure; never mutates `current`.
 */
export function buildDaemonJson(
  current: Record<string, unknown>,
  settings: DaemonSettings,
): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  const own: [string, readonly string[]][] = [
    ['registry-mirrors', settings.registry_mirrors],
    ['dns', settings.dns],
  ];
  for (const [key, value] of own) {
    if (value.length === 0) delete next[key];
    else next[key] = [...value];
  }
  return next;
}

/** `https://m.example.com/` and `https://m.example.com` name the same mirror (dockerd adds the slash). */
function normalizeMirror(url: string): string {
  return url.replace(/\/+$/, '');
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Reads the guest's daemon.json: missing → `{}`; unparsable → DliteError naming the file. */
export async function readDaemonJson(
  guest: GuestExecutor,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  const text = await guest.readFile(DAEMON_JSON, signal ? { signal } : {});
  if (text === null || text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new DliteError(
      'internal',
      `${DAEMON_JSON} in the VM is not valid JSON (${(e as Error).message}); fix it with 'dlite ssh' — Dlite left it unchanged`,
      { file: DAEMON_JSON },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new DliteError(
      'internal',
      `${DAEMON_JSON} in the VM is not a JSON object; fix it with 'dlite ssh' — Dlite left it unchanged`,
      { file: DAEMON_JSON },
    );
  }
  return parsed as Record<string, unknown>;
}

export interface DaemonConfigResult {
  /** False when the file already held these values (nothing written, no reload). */
  readonly changed: boolean;
  /** Mirrors dockerd reports after the reload. */
  readonly mirrors: readonly string[];
  /** `dns` changed: dockerd only applies it to containers created after its next restart. */
  readonly dnsNeedsRestart: boolean;
}

/**
 * Writes the registry mirrors and DNS settings into the guest's daemon.json (user keys kept,
 * written atomically by the guest executor), reloads dockerd with SIGHUP and waits (up to `timeoutMs`)
 * until `GET /info` lists exactly the configured mirrors. Idempotent: an unchanged file is not
 * rewritten. MUST NOT overwrite a daemon.json it cannot parse.
 */
export async function applyDaemonConfig(
  guest: GuestExecutor,
  api: DockerApi,
  settings: DaemonSettings,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<DaemonConfigResult> {
  const { timeoutMs = 15_000, signal } = options;
  const opts = signal ? { signal } : {};
  const current = await readDaemonJson(guest, signal);
  const next = buildDaemonJson(current, settings);
  const changed = JSON.stringify(next) !== JSON.stringify(current);
  const dnsNeedsRestart = JSON.stringify(next['dns']) !== JSON.stringify(current['dns']);
  if (changed) {
    await guest.writeFile(DAEMON_JSON, `${JSON.stringify(next, null, 2)}\n`, 0o644, opts);
    await guest.run(
      'Reloading dockerd (SIGHUP)',
      ['sh', '-c', 'kill -HUP "$(cat /var/run/docker.pid)"'],
      opts,
    );
  }
  const want = settings.registry_mirrors.map(normalizeMirror);
  const deadline = Date.now() + timeoutMs;
  let live: string[] = [];
  for (;;) {
    const info = await api.info({ timeoutMs: 10_000, signal });
    live = (info.RegistryConfig?.Mirrors ?? []).map(normalizeMirror);
    if (sameList(live, want)) return { changed, mirrors: live, dnsNeedsRestart };
    if (Date.now() >= deadline) break;
    await sleep(250, undefined, { signal });
  }
  throw new DliteError(
    'docker-unreachable',
    `dockerd did not take the registry mirrors from ${DAEMON_JSON} (it reports [${live.join(', ')}]); see /var/log/docker.log in the VM`,
    { file: DAEMON_JSON },
  );
}

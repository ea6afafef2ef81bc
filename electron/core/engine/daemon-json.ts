import { setTimeout as sleep } from 'node:timers/promises';

import type { Settings } from '../../shared/types.js';
import type { SshClient } from '../ssh/ssh-client.js';
import { tail } from '../ssh/ssh-error.js';

import type { DockerApi } from '../docker-api/docker-api.js';
import { DockerError } from '../docker-api/docker-error.js';

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

/** Reads the guest's daemon.json: missing → `{}`; unparsable → `DockerError` naming the file. */
export async function readDaemonJson(ssh: SshClient, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const script = `if [ -e ${DAEMON_JSON} ]; then cat ${DAEMON_JSON}; else exit 3; fi`;
  const r = await ssh.exec(['sudo', 'sh', '-c', script], { timeoutMs: 20_000, signal });
  if (r.exitCode === 3) return {};
  if (r.exitCode !== 0) {
    throw new DockerError(
      'ssh-failed',
      `Reading ${DAEMON_JSON} in the VM failed: ${tail(r.stderr, 1) || `exit ${r.exitCode}`}`,
    );
  }
  if (r.stdout.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout);
  } catch (e) {
    throw new DockerError(
      'internal',
      `${DAEMON_JSON} in the VM is not valid JSON (${(e as Error).message}); fix it with 'dlite ssh' — Dlite left it unchanged`,
      { file: DAEMON_JSON },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new DockerError(
      'internal',
      `${DAEMON_JSON} in the VM is not a JSON object; fix it with 'dlite ssh' — Dlite left it unchanged`,
      {
        file: DAEMON_JSON,
      },
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
 * written atomically: temp file + mv), reloads dockerd with SIGHUP and waits (up to `timeoutMs`)
 * until `GET /info` lists exactly the configured mirrors. Idempotent: an unchanged file is not
 * rewritten. MUST NOT overwrite a daemon.json it cannot parse.
 */
export async function applyDaemonConfig(
  ssh: SshClient,
  api: DockerApi,
  settings: DaemonSettings,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<DaemonConfigResult> {
  const { timeoutMs = 15_000, signal } = options;
  const current = await readDaemonJson(ssh, signal);
  const next = buildDaemonJson(current, settings);
  const changed = JSON.stringify(next) !== JSON.stringify(current);
  const dnsNeedsRestart = JSON.stringify(next['dns']) !== JSON.stringify(current['dns']);
  if (changed) {
    const tmp = `${DAEMON_JSON}.dlite-tmp`;
    // sync before and after the rename: a VM killed right after a delayed-allocation write leaves
    // an empty daemon.json, and dockerd refuses to start on it.
    const write = `mkdir -p /etc/docker && cat > ${tmp} && chmod 0644 ${tmp} && sync && mv -f ${tmp} ${DAEMON_JSON} && sync`;
    const w = await ssh.exec(['sudo', 'sh', '-c', write], {
      input: `${JSON.stringify(next, null, 2)}\n`,
      timeoutMs: 20_000,
      signal,
    });
    if (w.exitCode !== 0) {
      throw new DockerError(
        'ssh-failed',
        `Writing ${DAEMON_JSON} in the VM failed: ${tail(w.stderr, 1) || `exit ${w.exitCode}`}`,
      );
    }
    const hup = await ssh.exec('sudo kill -HUP "$(cat /var/run/docker.pid)"', { timeoutMs: 20_000, signal });
    if (hup.exitCode !== 0) {
      throw new DockerError(
        'docker-unreachable',
        `Reloading dockerd (SIGHUP) failed: ${tail(hup.stderr, 1) || `exit ${hup.exitCode}`}`,
      );
    }
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
  throw new DockerError(
    'docker-unreachable',
    `dockerd did not take the registry mirrors from ${DAEMON_JSON} (it reports [${live.join(', ')}]); see /var/log/docker.log in the VM`,
    { file: DAEMON_JSON },
  );
}

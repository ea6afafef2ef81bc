import { setTimeout as sleep } from 'node:timers/promises';

import type { DockerApi } from '../docker-api/docker-api.js';
import { DliteError } from '../dlite-error.js';
import type { GuestExecutor } from '../guest/guest-executor.js';

/** The guest file run-dockerd sources for DOCKER_ARGS (on the data disk; users edit it too). */
export const DOCKER_DEFAULTS = '/etc/default/docker';

const BEGIN =
  '# BEGIN dlite: docker_args setting (managed by Dlite; put your own flags in DOCKER_ARGS above)';
const END = '# END dlite';

function shellSingleQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * `text` (the guest's /etc/default/docker) with Dlite's fenced block appending `args` to the
 * user's DOCKER_ARGS; no block when `args` is empty. Pure and idempotent. Each flag MUST be one
 * word: run-dockerd splits DOCKER_ARGS on whitespace.
 */
export function withDockerArgs(text: string, args: readonly string[]): string {
  for (const a of args) {
    if (a === '' || /\s/.test(a)) {
      throw new DliteError('internal', `docker_args: '${a}' must be one word without spaces`);
    }
  }
  const lines = text.split('\n');
  const start = lines.indexOf(BEGIN);
  const end = start === -1 ? -1 : lines.indexOf(END, start);
  const kept = start === -1 || end === -1 ? lines : [...lines.slice(0, start), ...lines.slice(end + 1)];
  let body = kept.join('\n').replace(/\n+$/, '');
  if (args.length > 0) {
    body += `${body === '' ? '' : '\n'}${BEGIN}\nDOCKER_ARGS="$DOCKER_ARGS"${shellSingleQuote(` ${args.join(' ')}`)}\n${END}`;
  }
  return body === '' ? '' : `${body}\n`;
}

/**
 * Puts `args` into the guest's DOCKER_ARGS and, when that changed the file, restarts dockerd
 * (running containers stop; init starts dockerd again) and waits up to `timeoutMs` for it to
 * answer `/_ping` running with every flag. Idempotent: unchanged args restart nothing.
 */
export async function applyDockerArgs(
  guest: GuestExecutor,
  api: DockerApi,
  args: readonly string[],
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ changed: boolean }> {
  const { timeoutMs = 90_000, signal } = options;
  const opts = signal ? { signal } : {};
  const current = (await guest.readFile(DOCKER_DEFAULTS, opts)) ?? '';
  const next = withDockerArgs(current, args);
  if (next === current) return { changed: false };
  const oldPid = (await guest.readFile('/var/run/docker.pid', opts))?.trim() ?? '';
  // Bind-mounted from the data disk: the executor rewrites it in place.
  await guest.writeFile(DOCKER_DEFAULTS, next, 0o644, opts);
  if (/^\d+$/.test(oldPid)) await guest.exec(['kill', oldPid], opts);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await sleep(500, undefined, { signal });
    const probe = await guest.exec(
      [
        'sh',
        '-c',
        'pid=$(cat /var/run/docker.pid 2>/dev/null) && tr "\\0" "\\n" < /proc/$pid/cmdline && echo "pid=$pid"',
      ],
      { ...opts, unprivileged: true },
    );
    const pid = /pid=(\d+)/.exec(probe.stdout)?.[1];
    if (probe.exitCode !== 0 || pid === undefined || pid === oldPid) continue;
    const running = new Set(probe.stdout.split('\n'));
    const ok = await api.ping({ timeoutMs: 3_000, signal }).then(
      (b) => b === 'OK',
      () => false,
    );
    if (ok && args.every((a) => running.has(a))) return { changed: true };
  }
  throw new DliteError(
    'docker-unreachable',
    `dockerd did not come back with docker_args [${args.join(' ')}] within ${Math.round(timeoutMs / 1000)} s; see /var/log/docker.log in the VM`,
  );
}

import { setTimeout as sleep } from 'node:timers/promises';

import type { SshClient } from '../ssh/ssh-client.js';
import { tail } from '../ssh/ssh-error.js';

import type { DockerApi } from '../docker-api/docker-api.js';
import { DockerError } from '../docker-api/docker-error.js';

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
      throw new DockerError('internal', `docker_args: '${a}' must be one word without spaces`);
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
  ssh: SshClient,
  api: DockerApi,
  args: readonly string[],
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ changed: boolean }> {
  const { timeoutMs = 90_000, signal } = options;
  const read = await ssh.exec(['sudo', 'sh', '-c', `cat ${DOCKER_DEFAULTS} 2>/dev/null || true`], {
    timeoutMs: 20_000,
    signal,
  });
  const next = withDockerArgs(read.stdout, args);
  if (next === read.stdout) return { changed: false };
  // A bind-mounted file: rewrite it in place (mv would replace the inode behind the mount).
  const tmp = '/run/dlite-default-docker.tmp';
  const script = `cat > ${tmp} && sync && cat ${tmp} > ${DOCKER_DEFAULTS} && sync && rm -f ${tmp} && cat /var/run/docker.pid`;
  const w = await ssh.exec(['sudo', 'sh', '-c', script], { input: next, timeoutMs: 20_000, signal });
  if (w.exitCode !== 0) {
    throw new DockerError(
      'ssh-failed',
      `Writing ${DOCKER_DEFAULTS} in the VM failed: ${tail(w.stderr, 1) || `exit ${w.exitCode}`}`,
    );
  }
  const oldPid = w.stdout.trim();
  await ssh.exec(['sudo', 'kill', oldPid], { timeoutMs: 20_000, signal });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await sleep(500, undefined, { signal });
    const probe = await ssh.exec(
      'pid=$(cat /var/run/docker.pid 2>/dev/null) && tr "\\0" "\\n" < /proc/$pid/cmdline && echo "pid=$pid"',
      {
        timeoutMs: 20_000,
        signal,
      },
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
  throw new DockerError(
    'docker-unreachable',
    `dockerd did not come back with docker_args [${args.join(' ')}] within ${Math.round(timeoutMs / 1000)} s; see /var/log/docker.log in the VM`,
  );
}

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '../../..');
export const RENDERER = path.join(REPO, 'dist/renderer');
export const CLI = path.join(REPO, 'dist/cli/dlite.js');

/**
 * A real `dlite daemon --foreground` for a Dlite home, its output kept in `log/daemon.out`. It
 * leaves the machine's /etc/hosts alone (`DLITE_HOST_INTEGRATION=off`) unless `env` says `on`.
 */
export async function startDaemon(
  home: string,
  env: NodeJS.ProcessEnv,
): Promise<{ process: ChildProcess; socket: string; stop(): Promise<void> }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first`);
  await mkdir(path.join(home, 'log'), { recursive: true });
  const out = await open(path.join(home, 'log', 'daemon.out'), 'a');
  const child = spawn(process.execPath, [CLI, 'daemon', '--foreground'], {
    env: { DLITE_HOST_INTEGRATION: 'off', ...env, DLITE_HOME: home },
    stdio: ['ignore', out.fd, out.fd],
  });
  await out.close();
  const socket = path.join(home, 'run', 'control.sock');
  const deadline = Date.now() + 15_000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      throw new Error(`the daemon did not serve ${socket}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    process: child,
    socket,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 60_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

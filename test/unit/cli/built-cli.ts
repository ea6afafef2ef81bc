import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

import { pathsForHome } from '../../../electron/core/paths.js';
import { CLI, dlite, type CliRun } from '../../vm/helpers/cli.js';

export { CLI, dlite, type CliRun };

/**
 * A throwaway Dlite home for the built CLI (`npm run build` first: these tests run `dist/cli/dlite.js`
 * as a user would). `cleanup` ends the home's daemon and removes everything.
 */
export async function tempHome(homeName = 'h'): Promise<{
  tmp: string;
  home: string;
  env: NodeJS.ProcessEnv;
  daemonPid(): Promise<number | null>;
  cleanup(): Promise<void>;
}> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first`);
  const tmp = await mkdtemp('/tmp/dlc-');
  const home = path.join(tmp, homeName);
  await mkdir(path.join(tmp, 'share'));
  await mkdir(path.join(tmp, 'docker-config'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DLITE_HOME: home,
    DOCKER_CONFIG: path.join(tmp, 'docker-config'),
    NO_COLOR: '1',
  };
  const daemonPid = async (): Promise<number | null> => {
    try {
      const pid = (JSON.parse(await readFile(pathsForHome(home).daemonPid, 'utf8')) as { pid: number }).pid;
      process.kill(pid, 0);
      return pid;
    } catch {
      return null;
    }
  };
  return {
    tmp,
    home,
    env,
    daemonPid,
    cleanup: async () => {
      const pid = await daemonPid();
      if (pid !== null) {
        process.kill(pid, 'SIGKILL');
        for (let i = 0; i < 50 && (await daemonPid()) === pid; i += 1) {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const paths = pathsForHome(home);
      if (paths.runLink !== null) await rm(paths.runDir, { recursive: true, force: true });
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/** Runs the built CLI and measures how long it took, ms. */
export async function timed(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<CliRun & { ms: number }> {
  const started = Date.now();
  const r = await dlite(args, env, { timeoutMs: 30_000 });
  return { ...r, ms: Date.now() - started };
}

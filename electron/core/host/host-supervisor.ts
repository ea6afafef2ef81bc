import { createSupervisorApi } from './supervisor-api.js';
import { startControlServer } from '../control/server.js';
import { createFileLogger } from '../log/logger.js';
import type { DlitePaths } from '../paths.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { composeSupervisorDeps } from './compose.js';
import { HostBusyError, acquireHostLock } from './host-lock.js';

/**
 * `dlite daemon --foreground`: hosts the supervisor headless and serves the control socket until
 * SIGTERM/SIGINT, then stops the VM gracefully. Adopts (or cleans up) a VM left by a crashed host.
 * Resolves with the process exit code.
 */
export async function runDaemon(
  paths: DlitePaths,
  env: NodeJS.ProcessEnv,
  err: (line: string) => void,
): Promise<number> {
  const logger = createFileLogger(paths.dliteLog);
  let lock;
  try {
    lock = await acquireHostLock(paths.daemonPid, 'daemon');
  } catch (e) {
    if (e instanceof HostBusyError) {
      err(`dlite daemon: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const supervisor = new Supervisor(composeSupervisorDeps(paths, logger, env));
  const api = createSupervisorApi({ supervisor, paths, logger });
  const server = await startControlServer(api, paths.controlSocket);
  logger.info(`daemon ${process.pid} serving ${paths.controlSocket}`);
  const recovered = await supervisor.recover();
  if (!recovered.ok) logger.warn(`recovering the previous VM: ${recovered.error.message}`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info(`${signal}: stopping the VM and exiting`);
  await supervisor.dispose({ stopVm: true });
  await server.close();
  await lock.release();
  return 0;
}

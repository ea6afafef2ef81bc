import { createSupervisorApi } from '../api/supervisor-api.js';
import { startControlServer } from '../control/server.js';
import { IdleController } from '../idle/idle-controller.js';
import { SocketGate } from '../idle/socket-gate.js';
import { createFileLogger } from '../log/logger.js';
import { ResourceSampler } from '../resources/figures.js';
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
  const gate = new SocketGate({
    socket: paths.dockerSocket,
    engineSocket: paths.engineSocket,
    log: (line) => logger.info(line),
  });
  const sampler = new ResourceSampler(paths.disk);
  const supervisor = new Supervisor(
    composeSupervisorDeps(paths, logger, env, { frontDoor: gate, resources: sampler }),
  );
  const idle = new IdleController({ host: supervisor, clients: gate, sampler, logger });
  idle.start();
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
  idle.stop();
  await supervisor.dispose({ stopVm: true });
  await gate.setMode('closed');
  await server.close();
  await lock.release();
  return 0;
}

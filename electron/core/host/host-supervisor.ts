import { existsSync } from 'node:fs';

import type { DliteApi } from '../../shared/api.js';
import { startControlServer } from '../control/server.js';
import { HOME_ENTRIES, claimHomeEntries, ensureRunDir } from '../home.js';
import { IdleController } from '../idle/idle-controller.js';
import { SocketGate } from '../idle/socket-gate.js';
import { createFileLogger } from '../log/logger.js';
import type { DlitePaths } from '../paths.js';
import { ResourceSampler } from '../resources/figures.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { composeSupervisorDeps } from './compose.js';
import { acquireHostLock } from './host-lock.js';
import { createSupervisorApi } from './supervisor-api.js';

export { HOME_ENTRIES } from '../home.js';

/** A daemon started on demand exits after the VM has been stopped this long with no client, ms. */
export const IDLE_EXIT_MS = 5 * 60_000;

/** How often the daemon checks that it is still needed and that its home still exists, ms. */
const HOME_CHECK_MS = 10_000;
/** The longest a shutdown waits for the VM to stop (a graceful stop has its own, shorter limits), ms. */
const DISPOSE_DEADLINE_MS = 120_000;

/** `work`, or a rejection once `ms` have passed without it settling. */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up after ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export interface HostSupervisorOptions {
  /** Environment for drivers, the OS image lookup and `DLITE_DOCKER_TRANSPORT` (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Never exit for being idle (`dlite daemon --keep-alive`, what a login agent runs). */
  readonly keepAlive?: boolean;
  /** With the VM not running and no client connected for this long, the host ends (default {@link IDLE_EXIT_MS}). */
  readonly idleExitMs?: number;
}

/** A running host of one Dlite home: the supervisor, served on the home's control socket. */
export interface HostedSupervisor {
  /** The API the control socket serves (for a host that also uses it in-process). */
  readonly api: DliteApi;
  /** Settles once the host has ended: `idle` when it left for being unused, `closed` after {@link close}. */
  readonly ended: Promise<'idle' | 'closed'>;
  /**
   * Stops serving, releases the home and ends. `stopVm` (default true) powers the VM off first;
   * false leaves it running for the next host to adopt. Idempotent.
   */
  close(opts?: { stopVm?: boolean }): Promise<void>;
}

/**
 * Hosts the Dlite home at `paths`: takes the host lock (rejects with `daemon-already-running` when
 * another daemon holds it), serves the control socket, and adopts (or cleans up) a VM left running
 * by a host that crashed. Settings problems never end it: they are reported by `status` and refused
 * by `start`. Unless `keepAlive`, it ends by itself once the VM has not been running and no client
 * has been connected for `idleExitMs`.
 */
export async function hostSupervisor(
  paths: DlitePaths,
  opts: HostSupervisorOptions = {},
): Promise<HostedSupervisor> {
  await ensureRunDir(paths);
  await claimHomeEntries(paths, HOME_ENTRIES);
  const logger = createFileLogger(paths.dliteLog);
  const lock = await acquireHostLock(paths.daemonPid);
  // docker.sock is the daemon's own front door: it stays open while the VM sleeps, and a client
  // arriving then wakes the VM and is served once Docker answers.
  const gate = new SocketGate({
    socket: paths.dockerSocket,
    engineSocket: paths.engineSocket,
    log: (line) => logger.info(line),
  });
  const sampler = new ResourceSampler(paths.disk);
  const supervisor = new Supervisor(
    composeSupervisorDeps(paths, logger, opts.env, { frontDoor: gate, resources: sampler }),
  );
  const idle = new IdleController({ host: supervisor, clients: gate, sampler, logger });
  idle.start();
  const api = createSupervisorApi({ supervisor, paths, logger, ...(opts.env ? { env: opts.env } : {}) });
  let server;
  try {
    server = await startControlServer(api, paths.controlSocket);
  } catch (e) {
    await lock.release();
    throw e;
  }
  logger.info(`daemon ${process.pid} serving ${paths.controlSocket}${opts.keepAlive ? ' (keep-alive)' : ''}`);

  let resolveEnded: (why: 'idle' | 'closed') => void = () => undefined;
  const ended = new Promise<'idle' | 'closed'>((r) => (resolveEnded = r));
  let closing: Promise<void> | null = null;
  let idleTimer: NodeJS.Timeout | null = null;
  const shutdown = (why: 'idle' | 'closed', stopVm: boolean): Promise<void> => {
    closing ??= (async () => {
      if (idleTimer !== null) clearInterval(idleTimer);
      logger.info(
        why === 'idle'
          ? 'idle: no VM and no client; exiting'
          : `shutting down${stopVm ? ' (stopping the VM)' : ''}`,
      );
      idle.stop();
      // Every step runs, whatever the one before did: a daemon that cannot stop its VM (a start
      // that never settles, a home deleted under it) still lets go of its sockets and its lock.
      const steps: [string, () => Promise<unknown>][] = [
        ['stopping the VM', () => withDeadline(supervisor.dispose({ stopVm }), DISPOSE_DEADLINE_MS)],
        ['closing docker.sock', () => gate.setMode('closed')],
        ['closing the control socket', () => server.close()],
        ['releasing the home', () => lock.release()],
      ];
      for (const [what, step] of steps) {
        try {
          await step();
        } catch (e) {
          logger.warn(`${what}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      resolveEnded(why);
    })();
    return closing;
  };

  const idleExitMs = opts.idleExitMs ?? IDLE_EXIT_MS;
  let lastUsed = Date.now();
  idleTimer = setInterval(
    () => {
      // A home deleted under the daemon (rm -rf ~/.dlite, a test's temp folder) ends it, VM and all,
      // even with --keep-alive: nothing of it is left to serve.
      if (!existsSync(paths.home)) {
        logger.warn(`${paths.home} is gone; stopping the VM and exiting`);
        void shutdown('closed', true);
        return;
      }
      if (opts.keepAlive) return;
      const state = supervisor.status().state;
      if (server.connections() > 0 || (state !== 'stopped' && state !== 'error')) {
        lastUsed = Date.now();
      } else if (Date.now() - lastUsed >= idleExitMs) {
        void shutdown('idle', false);
      }
    },
    Math.max(100, Math.min(HOME_CHECK_MS, Math.floor(idleExitMs / 10))),
  );

  const recovered = await supervisor.recover();
  if (!recovered.ok) logger.warn(`recovering the previous VM: ${recovered.error.message}`);
  return { api, ended, close: (o = {}) => shutdown('closed', o.stopVm ?? true) };
}

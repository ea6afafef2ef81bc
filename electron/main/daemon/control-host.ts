/**
 * The {@link HostPort} adapter over `core/host`'s {@link connectHost}: connect to the home's daemon,
 * or start the bundled `dlite daemon --foreground` detached (so the VM outlives the app). The
 * client starts a new daemon by itself when one dies (the new one adopts the VM); the connection
 * is reported lost only when that fails.
 */
import { connectHost, type HostClient } from '../../core/host/index.js';
import type { DlitePaths } from '../../core/paths.js';
import type { DliteCommand } from '../terminal/terminal-command.js';
import type { HostConnection, HostPort } from './host-port.js';

/** How often a connection checks that the daemon still answers (or could be started again), ms. */
export const LIVENESS_POLL_MS = 2_000;

export interface ControlHostOptions {
  readonly paths: DlitePaths;
  /** The bundled `dlite` command; `daemon --foreground` is appended. */
  readonly dlite: DliteCommand;
  readonly env?: NodeJS.ProcessEnv;
  readonly startTimeoutMs?: number;
  readonly pollMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function watch(client: HostClient, pollMs: number): HostConnection {
  let closed = false;
  const lost = (async () => {
    while (!closed) {
      await sleep(pollMs);
      if (closed) break;
      const r = await client.status();
      if (!r.ok && r.error.code === 'daemon-unreachable') {
        return `The Dlite daemon stopped answering (${r.error.message})`;
      }
    }
    return 'closed';
  })();
  return {
    api: client,
    lost,
    close: () => {
      closed = true;
      client.close();
    },
  };
}

export function createControlHost(opts: ControlHostOptions): HostPort {
  return {
    connect: async () => {
      const client = await connectHost(opts.paths, {
        spawn: [opts.dlite.command, ...opts.dlite.args, 'daemon', '--foreground'],
        env: { ...(opts.env ?? process.env), ...opts.dlite.env },
        ...(opts.startTimeoutMs !== undefined ? { startTimeoutMs: opts.startTimeoutMs } : {}),
      });
      return watch(client, opts.pollMs ?? LIVENESS_POLL_MS);
    },
  };
}

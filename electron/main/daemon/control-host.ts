/**
 * The {@link HostPort} adapter over today's control client: connect to `run/control.sock`, or spawn
 * `dlite daemon --foreground` detached (so the VM outlives the app) and wait until it answers.
 * Swapping to `core/host`'s connectHost replaces this one file.
 */
import { spawn as nodeSpawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import path from 'node:path';

import { createControlClient } from '../../core/control/client.js';
import { tailLines } from '../../core/fs/tail.js';
import type { DlitePaths } from '../../core/paths.js';
import type { DliteCommand } from '../terminal/terminal-command.js';
import type { HostConnection, HostPort } from './host-port.js';

/** How long a spawned daemon has to answer, ms. */
export const DAEMON_START_TIMEOUT_MS = 20_000;
/** How often a connection checks that the daemon still answers, ms. */
export const LIVENESS_POLL_MS = 2_000;

export interface ControlHostOptions {
  readonly paths: DlitePaths;
  /** The bundled `dlite` command; `daemon --foreground` is appended. */
  readonly dlite: DliteCommand;
  readonly env?: NodeJS.ProcessEnv;
  readonly spawn?: typeof nodeSpawn;
  readonly startTimeoutMs?: number;
  readonly pollMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function watch(client: ReturnType<typeof createControlClient>, pollMs: number): HostConnection {
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
  const spawn = opts.spawn ?? nodeSpawn;
  const socket = opts.paths.controlSocket;
  const outFile = path.join(opts.paths.logDir, 'daemon.out');
  return {
    connect: async () => {
      const client = createControlClient(socket);
      const first = await client.status();
      if (first.ok || first.error.code !== 'daemon-unreachable') {
        return watch(client, opts.pollMs ?? LIVENESS_POLL_MS);
      }

      mkdirSync(opts.paths.logDir, { recursive: true, mode: 0o700 });
      const out = openSync(outFile, 'a', 0o600);
      const child = { exit: null as string | null };
      try {
        const proc = spawn(opts.dlite.command, [...opts.dlite.args, 'daemon', '--foreground'], {
          detached: true,
          stdio: ['ignore', out, out],
          env: { ...(opts.env ?? process.env), ...opts.dlite.env },
        });
        proc.on('error', (e) => (child.exit = e.message));
        proc.on('exit', (code, signal) => (child.exit = signal ?? `exit code ${String(code)}`));
        proc.unref();
      } finally {
        closeSync(out);
      }
      const deadline = Date.now() + (opts.startTimeoutMs ?? DAEMON_START_TIMEOUT_MS);
      while (Date.now() < deadline) {
        await sleep(100);
        const r = await client.status();
        if (r.ok || r.error.code !== 'daemon-unreachable') {
          return watch(client, opts.pollMs ?? LIVENESS_POLL_MS);
        }
        // Another daemon may have won the race and be starting: give it until the deadline.
        if (child.exit !== null && !/already running/.test((await tailLines(outFile, 5)).join('\n'))) break;
      }
      client.close();
      const tail = (await tailLines(outFile, 3)).join(' ').trim();
      throw new Error(
        child.exit !== null
          ? `The Dlite daemon exited (${child.exit})${tail ? `: ${tail}` : ''}`
          : `The Dlite daemon did not answer within ${Math.round((opts.startTimeoutMs ?? DAEMON_START_TIMEOUT_MS) / 1000)} s; see ${outFile}`,
      );
    },
  };
}

import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import type { DliteApi } from '../../shared/api.js';
import { INVOKE_METHODS } from '../../shared/contract.js';
import type { Result } from '../../shared/errors.js';
import { createControlClient, type ControlClient } from '../control/client.js';
import { DliteError } from '../dlite-error.js';
import { claimHomeEntries } from '../home.js';
import { lastLines } from '../fs/tail.js';
import type { DlitePaths } from '../paths.js';

/** How long a client waits for a daemon it started to answer, ms. */
export const DAEMON_START_TIMEOUT_MS = 20_000;

/**
 * A connection to the Dlite daemon of one home: the whole {@link DliteApi}, plus {@link close}.
 * Calls never reject. Subscriptions survive the daemon: when it exits or restarts, the event
 * stream re-opens by itself with backoff (starting a new daemon first when the client may), every
 * listener stays subscribed, and the daemon's current state arrives again as an `onState` event.
 */
export interface HostClient extends DliteApi {
  /** Ends the event stream and stops reconnecting. Idempotent; the client is unusable afterwards. */
  close(): void;
}

export interface ConnectHostOptions {
  /**
   * The argv that runs `dlite daemon --foreground` (e.g. `[process.execPath, cliEntry, 'daemon',
   * '--foreground']`; in Electron, the app binary with `ELECTRON_RUN_AS_NODE=1` in `env`), used when
   * no daemon answers; `false` never starts one (a call then fails with `daemon-unreachable`).
   * The daemon is started detached, for the home of `paths` (`DLITE_HOME` is set for it), with its
   * output appended to `log/daemon.out`.
   */
  readonly spawn: readonly string[] | false;
  /** Environment of a started daemon (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** How long to wait for a started daemon to answer, ms (default {@link DAEMON_START_TIMEOUT_MS}). */
  readonly startTimeoutMs?: number;
}

/** Where a started daemon's stdout and stderr go (its own log is `log/dlite.log`). */
export function daemonOutput(paths: Pick<DlitePaths, 'logDir'>): string {
  return path.join(paths.logDir, 'daemon.out');
}

/**
 * Starts the daemon detached and waits until it answers; rejects with `daemon-unreachable` naming
 * its last line of output when it exits first or does not answer in time. Concurrent clients may
 * race to start one: the daemon's host lock lets exactly one win and the others answer through it.
 */
async function startDaemon(
  paths: DlitePaths,
  client: ControlClient,
  argv: readonly string[],
  opts: ConnectHostOptions,
): Promise<void> {
  const [command, ...args] = argv;
  if (command === undefined) throw new DliteError('internal', 'connectHost: spawn argv is empty');
  await claimHomeEntries(paths, ['log']);
  mkdirSync(paths.logDir, { recursive: true, mode: 0o700 });
  const outFile = daemonOutput(paths);
  const offset = statSync(outFile, { throwIfNoEntry: false })?.size ?? 0;
  const out = openSync(outFile, 'a', 0o600);
  let exited: number | null | undefined;
  try {
    const child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...(opts.env ?? process.env), DLITE_HOME: paths.home },
    });
    child.on('error', () => (exited = null));
    child.on('exit', (code) => (exited = code));
    child.unref();
  } finally {
    closeSync(out);
  }
  const timeoutMs = opts.startTimeoutMs ?? DAEMON_START_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const r = await client.status();
    if (r.ok || r.error.code !== 'daemon-unreachable') return;
    if (exited !== undefined) {
      // It may have lost the race to another daemon that now answers.
      const again = await client.status();
      if (again.ok) return;
      break;
    }
  }
  const written = await readFile(outFile).catch(() => Buffer.alloc(0));
  const last = lastLines(written.subarray(offset).toString('utf8'), 1)[0];
  throw new DliteError(
    'daemon-unreachable',
    exited !== undefined
      ? `The Dlite daemon exited at start${last ? `: ${last.replace(/^dlite( daemon)?: /, '')}` : ''} (see ${outFile})`
      : `The Dlite daemon did not answer within ${timeoutMs / 1000} s; see ${paths.dliteLog} and ${outFile}`,
    { socketPath: paths.controlSocket, file: outFile },
  );
}

/**
 * Connects to the Dlite daemon of the home at `paths`, starting one when none answers and
 * `opts.spawn` allows it. Rejects with a `DliteError` (`daemon-unreachable` when none runs and none
 * may or could be started). Every call of the returned client that finds the daemon gone starts it
 * again (with `spawn`) and retries once.
 */
export async function connectHost(paths: DlitePaths, opts: ConnectHostOptions): Promise<HostClient> {
  let starting: Promise<void> | null = null;
  const argv = opts.spawn;
  const ensureDaemon =
    argv === false
      ? null
      : (): Promise<void> => {
          starting ??= startDaemon(paths, control, argv, opts).finally(() => (starting = null));
          return starting;
        };
  const control: ControlClient = createControlClient(paths.controlSocket, {
    ...(ensureDaemon ? { onUnreachable: ensureDaemon } : {}),
  });
  const first = await control.status();
  if (!first.ok && first.error.code === 'daemon-unreachable') {
    if (ensureDaemon === null) {
      control.close();
      throw new DliteError('daemon-unreachable', "Dlite is not running. Start it with 'dlite start'.", {
        socketPath: paths.controlSocket,
      });
    }
    try {
      await ensureDaemon();
    } catch (e) {
      control.close();
      throw e;
    }
  }
  if (ensureDaemon === null) return control;
  const client: Record<string, unknown> = { ...control };
  for (const method of INVOKE_METHODS) {
    const call = control[method] as (arg?: unknown) => Promise<Result<unknown>>;
    client[method] = async (arg?: unknown): Promise<Result<unknown>> => {
      const r = await call(arg);
      if (r.ok || r.error.code !== 'daemon-unreachable') return r;
      try {
        await ensureDaemon();
      } catch (e) {
        return { ok: false, error: (e as DliteError).toDto() };
      }
      return call(arg);
    };
  }
  return client as unknown as HostClient;
}

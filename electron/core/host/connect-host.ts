import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';

import type { DliteApi } from '../../shared/api.js';
import type { ErrorDto, Result } from '../../shared/errors.js';
import { createControlClient, type ControlClient } from '../control/client.js';
import { resolvePaths, type DlitePaths } from '../paths.js';
import type { CliIo } from '../../cli/commands.js';

/** How long a CLI waits for a daemon it spawned to answer. */
const DAEMON_START_TIMEOUT_MS = 20_000;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The one-line form of an API error, for stderr. */
export function describeError(e: ErrorDto): string {
  return e.message;
}

/** Unwraps a Result or throws a {@link CliError} with its one-line message. */
export function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  throw new CliError(describeError(r.error));
}

export function cliPaths(io: CliIo): DlitePaths {
  return resolvePaths(io.env);
}

/**
 * Connects to the process hosting the supervisor; when none runs, starts `dlite daemon` detached
 * (logging to `log/dlite.log`) and waits until it answers. Concurrent CLIs may race to start one:
 * the host lock lets exactly one win and the others just connect to it.
 */
export async function connectDaemon(
  io: CliIo,
  opts: { spawn: boolean } = { spawn: true },
): Promise<ControlClient> {
  const paths = cliPaths(io);
  const client = createControlClient(paths.controlSocket);
  const first = await client.status();
  if (first.ok || first.error.code !== 'daemon-unreachable') return client;
  if (!opts.spawn) throw new CliError("Dlite is not running. Start it with 'dlite start'.");
  spawnDaemon(paths, io);
  const deadline = Date.now() + DAEMON_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const r = await client.status();
    if (r.ok || r.error.code !== 'daemon-unreachable') return client;
  }
  throw new CliError(
    `The Dlite daemon did not start within ${DAEMON_START_TIMEOUT_MS / 1000} s; see ${paths.dliteLog}`,
  );
}

function spawnDaemon(paths: DlitePaths, io: CliIo): void {
  const entry = io.env['DLITE_CLI_ENTRY'] ?? process.argv[1];
  if (entry === undefined) throw new CliError('Cannot locate the dlite executable to start the daemon');
  mkdirSync(paths.logDir, { recursive: true, mode: 0o700 });
  const out = openSync(`${paths.logDir}/daemon.out`, 'a', 0o600);
  const child = spawn(process.execPath, [entry, 'daemon', '--foreground'], {
    detached: true,
    stdio: ['ignore', out, out],
    env: io.env,
  });
  child.unref();
}

/** Runs `fn` with a connected API, always closing the event stream afterwards. */
export async function withDaemon<T>(
  io: CliIo,
  fn: (api: DliteApi) => Promise<T>,
  opts?: { spawn: boolean },
): Promise<T> {
  const api = await connectDaemon(io, opts);
  try {
    return await fn(api);
  } finally {
    api.close();
  }
}

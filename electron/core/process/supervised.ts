import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

import { execa } from 'execa';

import { lastLines, tailFile } from '../fs/tail.js';
import { formatCommand, LineRing } from './command-format.js';

/** How a long-running child ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** Last lines of its stderr (for detached children: of its log file). */
  readonly stderrTail: readonly string[];
}

/** A long-running child this process started. */
export interface SupervisedChild {
  readonly pid: number;
  /** Printable command line. */
  readonly command: string;
  /** Settles once when the child ends, for whatever reason. Never rejects. */
  readonly exited: Promise<ChildExit>;
  /** The last lines of stderr so far. */
  stderrTail(): string[];
  /** Sends `signal` (default SIGTERM); no-op once the child has exited. */
  kill(signal?: NodeJS.Signals): void;
}

export interface SupervisedOptions {
  /** Aborting kills the child (SIGTERM, SIGKILL after 2 s). */
  readonly signal?: AbortSignal;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Lines of stderr to keep (default 50). */
  readonly tailLines?: number;
  /** Called with each stdout chunk; without it stdout is discarded. */
  readonly onStdout?: (chunk: string) => void;
}

/**
 * Spawns a long-running child tied to this process (killed when it exits) and keeps a ring of its
 * stderr. Rejects only when the child cannot be spawned at all (e.g. ENOENT).
 */
export async function spawnSupervised(
  cmd: string,
  args: readonly string[],
  opts: SupervisedOptions = {},
): Promise<SupervisedChild> {
  const ring = new LineRing(opts.tailLines ?? 50);
  const child = execa(cmd, args, {
    reject: false,
    cleanup: true,
    forceKillAfterDelay: 2000,
    buffer: false,
    stdin: 'ignore',
    stdout: opts.onStdout ? 'pipe' : 'ignore',
    stderr: 'pipe',
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
    ...(opts.env ? { env: opts.env } : {}),
  });
  child.stderr?.on('data', (chunk: Buffer) => ring.push(chunk));
  if (opts.onStdout) {
    const onStdout = opts.onStdout;
    child.stdout?.on('data', (chunk: Buffer) => onStdout(chunk.toString()));
  }
  let done = false;
  const exited: Promise<ChildExit> = child.then(
    (r) => {
      done = true;
      return { code: r.exitCode ?? null, signal: r.signal ?? null, stderrTail: ring.snapshot() };
    },
    () => {
      done = true;
      return { code: null, signal: null, stderrTail: ring.snapshot() };
    },
  );
  const pid = child.pid;
  if (pid === undefined) {
    const result = await child.catch(() => undefined);
    const why = result?.code ?? 'could not start';
    throw new Error(`${formatCommand(cmd, args)}: could not start: ${why}`);
  }
  return {
    pid,
    command: formatCommand(cmd, args),
    exited,
    stderrTail: () => ring.snapshot(),
    kill: (signal: NodeJS.Signals = 'SIGTERM') => {
      if (!done) child.kill(signal);
    },
  };
}

export interface DetachedOptions {
  /** File that receives the child's stdout and stderr (appended). */
  readonly logPath: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A detached child: own process group, stdio to a file, survives this process. */
export interface DetachedChild {
  readonly pid: number;
  readonly command: string;
  /** Settles when the child ends while this process is alive. Never rejects. */
  readonly exited: Promise<ChildExit>;
}

/**
 * Starts `cmd` in its own process group with stdin closed and stdout/stderr appended to
 * `opts.logPath`, so it keeps running when this process crashes and can be adopted later.
 * Rejects when the binary cannot be spawned.
 */
export async function spawnDetached(
  cmd: string,
  args: readonly string[],
  opts: DetachedOptions,
): Promise<DetachedChild> {
  const fd = openSync(opts.logPath, 'a', 0o600);
  const command = formatCommand(cmd, args);
  try {
    const child = spawn(cmd, [...args], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...opts.env },
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e) => reject(new Error(`${command}: could not start: ${e.message}`)));
    });
    child.unref();
    const exited = new Promise<ChildExit>((resolve) => {
      child.once('exit', (code, signal) => {
        void readFileTail(opts.logPath, 20).then((stderrTail) => resolve({ code, signal, stderrTail }));
      });
    });
    return { pid: child.pid!, command, exited };
  } finally {
    closeSync(fd);
  }
}

/** The last `lines` non-empty lines of a file, reading at most its final `maxBytes`; [] if unreadable. */
export function readFileTail(file: string, lines: number, maxBytes = 64 * 1024): Promise<string[]> {
  return tailFile(file, Number.MAX_SAFE_INTEGER, maxBytes).then(
    (all) => lastLines(all.join('\n'), lines),
    () => [],
  );
}

import { execa } from 'execa';

import { DliteError } from '../dlite-error.js';
import { lastLines } from '../fs/tail.js';

import { formatCommand } from './command-format.js';

export { formatCommand } from './command-format.js';

/** Options for {@link run}. */
export interface RunOptions {
  /** Aborting kills the child (SIGTERM, then SIGKILL after 2 s) and rejects with reason `cancelled`. */
  readonly signal?: AbortSignal;
  /** Milliseconds before the child is killed and the call rejects with reason `timeout`. */
  readonly timeoutMs?: number;
  /** Written to the child's stdin, which is then closed. Without it stdin is `/dev/null`. */
  readonly input?: string | Buffer;
  /** Extra environment variables, merged over `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

/** A command that exited 0. Output is UTF-8 text with the final newline kept. */
export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Why a command failed. */
export type CommandFailure = 'exit' | 'signal' | 'timeout' | 'cancelled' | 'spawn';

/** Lines of stderr kept on a {@link CommandError}. */
export const STDERR_TAIL_LINES = 20;

/**
 * A command that could not run or did not exit 0. The message is one line naming the command.
 * Unclassified (`internal`, or `cancelled`/`timeout`): the caller's step gives it its code.
 */
export class CommandError extends DliteError {
  override name = 'CommandError';
  constructor(
    /** The command line, printable and shell-quoted (for logs and FailureDetails.lastCommand). */
    readonly command: string,
    readonly reason: CommandFailure,
    readonly exitCode: number | null,
    readonly signal: string | null,
    /** The last {@link STDERR_TAIL_LINES} non-empty lines of stderr. */
    readonly stderrTail: readonly string[],
    detail: string,
  ) {
    super(
      reason === 'cancelled' ? 'cancelled' : reason === 'timeout' ? 'timeout' : 'internal',
      `${command}: ${detail}`,
      { lastCommand: command, stderrTail },
    );
  }
}

/**
 * Runs `cmd` with `args` (an argv array, never a shell string) and collects its output.
 * Resolves only when the command exits 0; otherwise rejects with a {@link CommandError}.
 * The child is killed when this process exits (execa `cleanup`).
 */
export async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const command = formatCommand(cmd, args);
  const result = await execa(cmd, args, {
    reject: false,
    cleanup: true,
    forceKillAfterDelay: 2000,
    stripFinalNewline: false,
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
    ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs } : {}),
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
  });
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  if (!result.failed && result.exitCode === 0) return { stdout, stderr, exitCode: 0 };

  const tail = lastLines(stderr, STDERR_TAIL_LINES);
  const exitCode = result.exitCode ?? null;
  const signal = result.signal ?? null;
  const last = tail.at(-1);
  const suffix = last ? ` (${last})` : '';
  if (result.isCanceled) {
    throw new CommandError(command, 'cancelled', exitCode, signal, tail, 'cancelled');
  }
  if (result.timedOut) {
    throw new CommandError(
      command,
      'timeout',
      exitCode,
      signal,
      tail,
      `timed out after ${opts.timeoutMs} ms`,
    );
  }
  if (exitCode === null && signal === null) {
    const why = result.code ?? result.originalMessage ?? 'could not start';
    throw new CommandError(command, 'spawn', null, null, tail, `could not start: ${why}`);
  }
  if (signal !== null) {
    throw new CommandError(command, 'signal', exitCode, signal, tail, `killed by ${signal}${suffix}`);
  }
  throw new CommandError(command, 'exit', exitCode, null, tail, `exited with code ${exitCode}${suffix}`);
}

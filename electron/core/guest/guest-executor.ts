import { DliteError } from '../dlite-error.js';
import { lastLines } from '../fs/tail.js';
import type { ExecResult, SshClient } from '../ssh/ssh-client.js';

export type { ExecResult } from '../ssh/ssh-client.js';

export interface GuestExecOptions {
  /** Written to the command's stdin, then closed. Without it stdin is /dev/null. */
  readonly input?: string | Uint8Array;
  /** Default 20 000 ms; the call then rejects with `timeout`. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Run as the login user (`docker`) instead of root. Default false. */
  readonly unprivileged?: boolean;
}

/**
 * The one way to run things in the guest (Rancher Desktop's `VMExecutor`): commands as argv
 * arrays, files written atomically. Every call shares the guest link's SSH connection.
 */
export interface GuestExecutor {
  /** Runs `argv` (as root unless `unprivileged`). Resolves with the exit code; non-zero does not throw. */
  exec(argv: readonly string[], options?: GuestExecOptions): Promise<ExecResult>;
  /**
   * Runs `argv` and resolves with its stdout; a non-zero exit rejects with `ssh-failed` whose
   * message starts with `what` ("Reading the VM's clock") and ends with the command's last stderr line.
   */
  run(what: string, argv: readonly string[], options?: GuestExecOptions): Promise<string>;
  /** The text of a guest file (as root), or null when it does not exist. */
  readFile(path: string, options?: Pick<GuestExecOptions, 'signal' | 'timeoutMs'>): Promise<string | null>;
  /**
   * Replaces a guest file (as root) with `content` and `mode`, atomically and durably: a temp file
   * beside it, synced, then renamed over it. A bind-mounted file (rename answers EBUSY) is
   * rewritten in place instead. Parent folders are created. Idempotent.
   */
  writeFile(
    path: string,
    content: string | Uint8Array,
    mode: number,
    options?: Pick<GuestExecOptions, 'signal' | 'timeoutMs'>,
  ): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 20_000;

/**
 * `$1` the target, `$2` the mode (octal). `sync` before the rename: a VM killed right after a
 * delayed-allocation write would otherwise leave an empty file (dockerd refuses an empty daemon.json).
 */
const WRITE_SCRIPT = [
  'set -e',
  't="$1.dlite-tmp"',
  'mkdir -p "$(dirname "$1")"',
  'cat > "$t"',
  'chmod "$2" "$t"',
  'sync',
  'if ! mv -f "$t" "$1" 2>/dev/null; then cat "$t" > "$1"; chmod "$2" "$1"; rm -f "$t"; fi',
  'sync',
].join('\n');

const READ_SCRIPT = 'if [ -e "$1" ]; then cat "$1"; else exit 3; fi';

function guestPath(path: string): string {
  if (!path.startsWith('/') || /[\0\n]/.test(path)) {
    throw new DliteError('internal', `guest path ${JSON.stringify(path)} must be absolute and on one line`);
  }
  return path;
}

/** A {@link GuestExecutor} over `ssh` (the `docker` user, with passwordless sudo for root). */
export function createGuestExecutor(ssh: Pick<SshClient, 'exec'>): GuestExecutor {
  const exec = (argv: readonly string[], o: GuestExecOptions = {}): Promise<ExecResult> => {
    if (argv.length === 0) throw new DliteError('internal', 'guest command is empty');
    return ssh.exec(o.unprivileged ? argv : ['sudo', '--', ...argv], {
      timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(o.input === undefined ? {} : { input: o.input }),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  };
  const run = async (what: string, argv: readonly string[], o: GuestExecOptions = {}): Promise<string> => {
    const r = await exec(argv, o);
    if (r.exitCode !== 0) {
      const why = lastLines(r.stderr, 1)[0] ?? `exit ${r.exitCode}`;
      throw new DliteError('ssh-failed', `${what} failed: ${why}`, {
        lastCommand: argv.join(' '),
        stderrTail: lastLines(r.stderr, 10),
      });
    }
    return r.stdout;
  };
  return {
    exec,
    run,
    readFile: async (path, o = {}) => {
      const r = await exec(['sh', '-c', READ_SCRIPT, 'sh', guestPath(path)], o);
      if (r.exitCode === 3) return null;
      if (r.exitCode !== 0) {
        throw new DliteError(
          'ssh-failed',
          `Reading ${path} in the VM failed: ${lastLines(r.stderr, 1)[0] ?? `exit ${r.exitCode}`}`,
          { file: path },
        );
      }
      return r.stdout;
    },
    writeFile: async (path, content, mode, o = {}) => {
      const octal = mode.toString(8).padStart(4, '0');
      await run(`Writing ${path} in the VM`, ['sh', '-c', WRITE_SCRIPT, 'sh', guestPath(path), octal], {
        ...o,
        input: content,
      });
    },
  };
}

import { setTimeout as sleep } from 'node:timers/promises';

import { execa } from 'execa';

import {
  controlMasterOptions,
  controlPath,
  describeSshFailure,
  remoteCommand,
  sshBaseArgs,
  type SshTarget,
} from './ssh-args.js';
import { SshError } from './ssh-error.js';

export interface ExecOptions {
  /** Written to the remote command's stdin, then closed. Without it stdin is /dev/null. */
  readonly input?: string | Uint8Array;
  /** Kill the local ssh after this many ms (default 60 000); the result is an `SshError('timeout')`. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  /** The remote command's exit code. */
  readonly exitCode: number;
}

/** ssh exits 255 both for its own failures and when the remote command does; these lines are ssh's. */
const SSH_OWN_FAILURE =
  /^ssh: |Host key verification failed|REMOTE HOST IDENTIFICATION|Permission denied|Connection (refused|reset|closed|timed out)|kex_exchange|banner exchange|mux_client|Control socket/m;

/**
 * Runs commands in the guest as the `docker` user with Dlite's key. Execs share one persistent
 * ControlMaster connection (started by the first exec, ended by {@link close}), so repeated execs
 * cost one round trip, not a handshake.
 */
export class SshClient {
  private readonly baseArgs: string[];
  private readonly muxOptions: string[];

  constructor(
    readonly target: SshTarget,
    options: { readonly multiplex?: boolean } = {},
  ) {
    const control = options.multiplex === false ? null : controlPath(target.paths);
    this.muxOptions = control === null ? [] : controlMasterOptions(control);
    this.baseArgs = sshBaseArgs(target, this.muxOptions);
  }

  private describe(command: string): string {
    return `ssh ${this.target.user ?? 'docker'}@${this.target.endpoint.host} -p ${this.target.endpoint.port} ${command}`;
  }

  /**
   * Runs `command` in the guest. An argv array is quoted for the remote shell element by element;
   * a string is a shell command line. Resolves with the remote exit code (non-zero does not throw);
   * rejects with `SshError` when ssh itself fails, times out or is cancelled.
   */
  async exec(command: readonly string[] | string, options: ExecOptions = {}): Promise<ExecResult> {
    const remote = remoteCommand(command);
    const r = await execa('ssh', [...this.baseArgs, remote], {
      reject: false,
      stripFinalNewline: false,
      ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
      timeout: options.timeoutMs ?? 60_000,
      forceKillAfterDelay: 2_000,
      cleanup: true,
      ...(options.signal ? { cancelSignal: options.signal } : {}),
    });
    const stderr = typeof r.stderr === 'string' ? r.stderr : '';
    const stdout = typeof r.stdout === 'string' ? r.stdout : '';
    if (r.isCanceled) {
      throw new SshError('cancelled', 'Cancelled while running a command in the VM', this.describe(remote));
    }
    if (r.timedOut) {
      throw new SshError(
        'timeout',
        `A command in the VM did not finish within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s: ${remote}`,
        this.describe(remote),
        stderr,
      );
    }
    if (r.exitCode === undefined) {
      throw new SshError('ssh-failed', `ssh could not run: ${r.shortMessage}`, this.describe(remote), stderr);
    }
    if (r.exitCode === 255 && SSH_OWN_FAILURE.test(stderr)) {
      throw new SshError(
        'ssh-failed',
        describeSshFailure(stderr, this.target),
        this.describe(remote),
        stderr,
      );
    }
    return { stdout, stderr, exitCode: r.exitCode };
  }

  /**
   * Retries `ssh … true` with a short backoff until it works. Rejects at once on a changed host
   * key, with `SshError('timeout')` (carrying the last ssh error) after `timeoutMs`.
   */
  async waitReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let delay = 250;
    let last = '';
    const cancelled = (): SshError =>
      new SshError('cancelled', "Cancelled while waiting for the VM's SSH server", this.describe('true'));
    for (;;) {
      if (signal?.aborted) throw cancelled();
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new SshError(
          'timeout',
          `The VM's SSH server did not answer within ${Math.round(timeoutMs / 1000)} s${last ? ` (${last})` : ''}`,
          this.describe('true'),
        );
      }
      try {
        const r = await this.exec(['true'], { timeoutMs: Math.max(1_000, Math.min(left, 20_000)), signal });
        if (r.exitCode === 0) return;
        last = `true exited ${r.exitCode}`;
      } catch (e) {
        if (!(e instanceof SshError) || e.code === 'cancelled') throw e;
        if (e.message.includes('host key changed')) throw e;
        last = e.message;
      }
      await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), undefined, { signal }).catch(() => {
        throw cancelled();
      });
      delay = Math.min(delay * 2, 1_000);
    }
  }

  /** Ends the shared connection (`ssh -O exit`). Idempotent; never throws. */
  async close(): Promise<void> {
    if (this.muxOptions.length === 0) return;
    await execa('ssh', sshBaseArgs(this.target, [...this.muxOptions, '-O', 'exit']), {
      reject: false,
      stdin: 'ignore',
      timeout: 10_000,
    });
  }
}

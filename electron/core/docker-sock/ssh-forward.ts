import { chmod, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

import { execa, type ResultPromise } from 'execa';

import { lastLines } from '../fs/tail.js';
import type { DlitePaths } from '../paths.js';
import { sshBaseArgs, type SshTarget } from '../ssh/ssh-args.js';

import { DliteError } from '../dlite-error.js';
import { type DockerForward, ForwardBase } from './forward-base.js';

export type { DockerForward, ForwarderState } from './forward-base.js';

export interface ForwarderOptions {
  readonly target: SshTarget & { readonly paths: Pick<DlitePaths, 'dockerSocket' | 'runDir'> };
  /** dockerd's socket in the guest. */
  readonly guestSocket?: string;
  /** At most this many restarts within `restartWindowMs` (default 5 per 60 s), then `failed`. */
  readonly maxRestarts?: number;
  readonly restartWindowMs?: number;
  /** First restart delay in ms, doubled per recent restart up to 10 s (default 500). */
  readonly initialBackoffMs?: number;
  readonly log?: (line: string) => void;
}

interface Launched {
  readonly child: ResultPromise;
  readonly exited: () => boolean;
  readonly stderr: () => string;
}

/**
 * Keeps one `ssh -N -L <host docker.sock>:<guest docker.sock>` process alive. Stream-local
 * forwarding carries every byte both ways, so streaming and hijacked API calls (attach, exec -it,
 * logs -f, build uploads) work unchanged. The host socket is 0600 inside the 0700 run dir.
 */
export class DockerSocketForwarder extends ForwardBase implements DockerForward {
  readonly transport = 'ssh';
  private current: Launched | undefined;
  private restarts: number[] = [];
  private restarting: Promise<void> | undefined;
  /** Aborted by stop(): ends a start or restart in progress. */
  private lifetime = new AbortController();

  constructor(private readonly options: ForwarderOptions) {
    super(options.target.paths.dockerSocket);
  }

  /** Pid of the ssh process carrying the forward, if one runs. */
  get pid(): number | undefined {
    return this.current?.child.pid;
  }

  protected async doStart(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    this.restarts = [];
    this.lifetime = new AbortController();
    const lifetime = this.lifetime.signal;
    this.setState('starting');
    try {
      await this.launchAndPing(timeoutMs, signal ? AbortSignal.any([signal, lifetime]) : lifetime);
      this.setState('running');
    } catch (e) {
      await this.killCurrent();
      if (!lifetime.aborted) this.setState('failed', (e as Error).message);
      throw e;
    }
  }

  /** Stops the forward and removes the host socket. Idempotent. */
  async stop(): Promise<void> {
    this.setState('stopped');
    this.lifetime.abort();
    await Promise.allSettled([this.starting, this.restarting]);
    await this.killCurrent();
    await rm(this.socketPath, { force: true });
  }

  private async killCurrent(): Promise<void> {
    const launched = this.current;
    this.current = undefined;
    if (!launched || launched.exited()) return;
    launched.child.kill('SIGTERM');
    await launched.child;
  }

  private launch(): Launched {
    const { target, guestSocket = '/var/run/docker.sock' } = this.options;
    const args = sshBaseArgs(target, [
      '-N',
      '-T',
      '-o',
      'StreamLocalBindUnlink=yes',
      '-o',
      'ExitOnForwardFailure=yes',
      '-o',
      'ServerAliveInterval=5',
      '-o',
      'ServerAliveCountMax=3',
      '-L',
      `${target.paths.dockerSocket}:${guestSocket}`,
    ]);
    const child = execa('ssh', args, {
      reject: false,
      stdin: 'ignore',
      cleanup: true,
      forceKillAfterDelay: 3_000,
    });
    let exited = false;
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString('utf8')).slice(-4_000);
    });
    const launched: Launched = { child, exited: () => exited, stderr: () => stderr };
    void child.then((r) => {
      exited = true;
      this.onExit(launched, r.exitCode ?? null, r.signal ?? null);
    });
    return launched;
  }

  private async launchAndPing(timeoutMs: number, signal: AbortSignal): Promise<void> {
    await this.prepareSocket(this.options.target.paths.runDir);
    const launched = this.launch();
    this.current = launched;
    await this.waitPing(Date.now() + timeoutMs, signal, () => {
      if (!launched.exited()) return;
      const why = lastLines(launched.stderr(), 1)[0] ?? 'ssh exited';
      throw new DliteError('docker-unreachable', `Forwarding the Docker socket over SSH failed: ${why}`, {
        stderrTail: lastLines(launched.stderr(), 10),
      });
    });
    await chmod(this.socketPath, 0o600);
  }

  private onExit(launched: Launched, code: number | null, sig: string | null): void {
    if (!Object.is(launched, this.current) || this.state !== 'running') return;
    this.options.log?.(
      `docker socket forward exited (${sig ?? `code ${code}`}): ${lastLines(launched.stderr(), 1)[0] ?? 'no message'}`,
    );
    this.current = undefined;
    this.setState('restarting');
    this.restarting = this.restartLoop(this.lifetime.signal).finally(() => (this.restarting = undefined));
  }

  private async restartLoop(lifetime: AbortSignal): Promise<void> {
    const { maxRestarts = 5, restartWindowMs = 60_000, initialBackoffMs = 500 } = this.options;
    while (this.state === 'restarting') {
      const now = Date.now();
      this.restarts = this.restarts.filter((t) => now - t < restartWindowMs);
      if (this.restarts.length >= maxRestarts) {
        this.setState(
          'failed',
          `the Docker socket forward dropped ${maxRestarts} times within ${restartWindowMs / 1000} s`,
        );
        return;
      }
      const delay = Math.min(initialBackoffMs * 2 ** this.restarts.length, 10_000);
      this.restarts.push(now);
      await sleep(delay, undefined, { signal: lifetime }).catch(() => undefined);
      if (this.state !== 'restarting') return;
      try {
        await this.launchAndPing(30_000, lifetime);
        this.setState('running');
        return;
      } catch (e) {
        this.options.log?.(`restarting the docker socket forward failed: ${(e as Error).message}`);
        await this.killCurrent();
      }
    }
  }
}

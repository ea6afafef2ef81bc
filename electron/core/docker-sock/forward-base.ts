import { chmod, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { DockerApi } from '../docker-api/docker-api.js';
import { DliteError } from '../dlite-error.js';

export type ForwarderState = 'stopped' | 'starting' | 'running' | 'restarting' | 'failed';

/** What serves the host's docker.sock: an SSH stream-local forward or the virtio-serial mux. */
export interface DockerForward {
  readonly transport: 'ssh' | 'mux';
  /** The Docker API on the host socket. */
  readonly api: DockerApi;
  readonly state: ForwarderState;
  /** Pid of a helper process carrying the streams, if there is one. */
  readonly pid: number | undefined;
  /** Serves the host socket; resolves once `GET /_ping` through it answers `OK`. Idempotent. */
  start(timeoutMs?: number, signal?: AbortSignal): Promise<void>;
  /** Stops serving and removes the host socket. Idempotent. */
  stop(): Promise<void>;
  /** Calls `listener` on every state change; returns the unsubscribe function. */
  onDidChangeState(listener: (state: ForwarderState, detail?: string) => void): () => void;
}

/** State, listeners, the idempotent start and the host socket's set-up both transports share. */
export abstract class ForwardBase {
  /** The Docker API on the host socket. */
  readonly api: DockerApi;
  private stateValue: ForwarderState = 'stopped';
  private readonly listeners = new Set<(state: ForwarderState, detail?: string) => void>();
  /** The start in progress, if any. */
  protected starting: Promise<void> | undefined;

  constructor(protected readonly socketPath: string) {
    this.api = new DockerApi(socketPath);
  }

  get state(): ForwarderState {
    return this.stateValue;
  }

  /** Calls `listener` on every state change; returns the unsubscribe function. */
  onDidChangeState(listener: (state: ForwarderState, detail?: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected setState(state: ForwarderState, detail?: string): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    for (const l of this.listeners) l(state, detail);
  }

  /**
   * Serves the host socket and resolves once `GET /_ping` through it answers `OK`.
   * Idempotent: resolves at once when running, joins a start in progress.
   */
  start(timeoutMs = 60_000, signal?: AbortSignal): Promise<void> {
    if (this.stateValue === 'running' || this.stateValue === 'restarting') return Promise.resolve();
    this.starting ??= this.doStart(timeoutMs, signal).finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** Makes `runDir` (and the socket's folder) private (0700) and removes a stale host socket. */
  protected async prepareSocket(runDir: string): Promise<void> {
    await mkdir(runDir, { recursive: true, mode: 0o700 });
    await chmod(runDir, 0o700);
    if (path.dirname(this.socketPath) !== runDir) {
      await mkdir(path.dirname(this.socketPath), { recursive: true, mode: 0o700 });
    }
    await rm(this.socketPath, { force: true });
  }

  /**
   * Polls `GET /_ping` on the host socket every 200 ms until it answers `OK`, by `deadline`.
   * `check` runs before each attempt and throws when waiting longer is pointless (e.g. the process
   * carrying the streams exited). Rejects with DliteError 'cancelled' or 'timeout'.
   */
  protected async waitPing(deadline: number, signal: AbortSignal, check?: () => void): Promise<void> {
    const started = Date.now();
    let last = '';
    while (Date.now() < deadline) {
      if (signal.aborted) throw new DliteError('cancelled', 'Cancelled while forwarding the Docker socket');
      check?.();
      try {
        if ((await this.api.ping({ timeoutMs: 3_000 })) === 'OK') return;
      } catch (e) {
        last = (e as Error).message;
      }
      await sleep(200, undefined, { signal }).catch(() => undefined);
    }
    throw new DliteError(
      'timeout',
      `Docker did not answer /_ping through ${this.socketPath} within ${Math.round((deadline - started) / 1000)} s${last ? ` (${last})` : ''}`,
    );
  }

  protected abstract doStart(timeoutMs: number, signal?: AbortSignal): Promise<void>;
}

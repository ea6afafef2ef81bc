import type { DockerApi } from './api.js';

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

/** State, listeners and the idempotent start both transports share. */
export abstract class ForwardBase {
  private stateValue: ForwarderState = 'stopped';
  private readonly listeners = new Set<(state: ForwarderState, detail?: string) => void>();
  /** The start in progress, if any. */
  protected starting: Promise<void> | undefined;

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

  protected abstract doStart(timeoutMs: number, signal?: AbortSignal): Promise<void>;
}

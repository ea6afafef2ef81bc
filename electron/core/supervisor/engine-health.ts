import { setTimeout as sleep } from 'node:timers/promises';

/** How the engine's health is checked while the VM runs (ms). */
export interface EngineHealthTiming {
  /** Pause between two `/_ping`s. */
  readonly intervalMs: number;
  /** How long one `/_ping` may take. */
  readonly pingTimeoutMs: number;
  /** Unanswered for this long (from the first miss): the engine is unresponsive. */
  readonly unresponsiveAfterMs: number;
}

/**
 * A `/_ping` every 15 s: each wakes the Docker port agent and dockerd (~16 ms of emulated CPU under
 * TCG; every 5 s that was 0.3 % of a core while idle). A frozen engine is still reported 30–50 s
 * after its first miss.
 */
export const ENGINE_HEALTH: EngineHealthTiming = {
  intervalMs: 15_000,
  pingTimeoutMs: 5_000,
  unresponsiveAfterMs: 30_000,
};

/**
 * Pings the engine through docker.sock while the VM runs. After `unresponsiveAfterMs` without an
 * answer it calls `onChange(since)` with the time of the first miss; when the engine answers again,
 * `onChange(null)`. A frozen hypervisor (SIGSTOP, a hung host) keeps the VM process alive, so only
 * this notices it.
 */
export class EngineWatch {
  private readonly abort = new AbortController();
  private firstMiss: number | null = null;
  private since: string | null = null;

  constructor(
    private readonly ping: (timeoutMs: number) => Promise<boolean>,
    private readonly onChange: (since: string | null) => void,
    private readonly timing: EngineHealthTiming = ENGINE_HEALTH,
  ) {}

  /** ISO time of the first unanswered `/_ping`, once the engine counts as unresponsive; else null. */
  get unresponsiveSince(): string | null {
    return this.since;
  }

  /** Starts pinging in the background. Call once. */
  start(): void {
    void this.loop(this.abort.signal);
  }

  /** Stops pinging. Idempotent. */
  stop(): void {
    this.abort.abort();
  }

  private async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.timing.intervalMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      const sent = Date.now();
      const ok = await this.ping(this.timing.pingTimeoutMs).catch(() => false);
      if (signal.aborted) return;
      const now = Date.now();
      if (ok) {
        this.firstMiss = null;
        if (this.since !== null) {
          this.since = null;
          this.onChange(null);
        }
        continue;
      }
      this.firstMiss ??= sent;
      if (this.since === null && now - this.firstMiss >= this.timing.unresponsiveAfterMs) {
        this.since = new Date(this.firstMiss).toISOString();
        this.onChange(this.since);
      }
    }
  }
}

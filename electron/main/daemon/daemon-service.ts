import type { DliteApi, InvokeMethod, PushMethod, Unsubscribe } from '../../shared/api.js';
import type { ServiceStatus } from '../../shared/app-types.js';
import { APP_METHODS, INVOKE, PUSH } from '../../shared/contract.js';
import { err } from '../../shared/errors.js';
import type { HostConnection, HostPort } from './host-port.js';

/** The daemon methods main forwards (everything but main's own). */
export type DaemonApi = Omit<DliteApi, (typeof APP_METHODS)[number]>;

/** Backoff before connect attempt `n` (1-based) after a failure or a loss, ms: 0.5 s doubling to 15 s. */
export function backoffMs(attempt: number): number {
  return Math.min(500 * 2 ** Math.max(0, attempt - 1), 15_000);
}

export interface DaemonServiceOptions {
  /** Failed attempts in a row before the service shows `failed` and waits for Retry. */
  readonly maxAttempts?: number;
  /** A connection that lasted less than this (ms) counts as a failed attempt: no tight respawn loop. */
  readonly stableMs?: number;
  readonly backoff?: (attempt: number) => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

const isAppMethod = (m: string): boolean => (APP_METHODS as readonly string[]).includes(m);

/**
 * Main's link to the daemon: connects (or spawns it) through the {@link HostPort}, reconnects and
 * respawns with backoff when it is lost, and after `maxAttempts` failures in a row shows `failed`
 * with the reason until {@link retry}. {@link api} forwards calls to the current daemon (answering
 * `daemon-unreachable` in between) and keeps push listeners across reconnects; on every connect
 * the current VM state is replayed to them.
 */
export class DaemonService {
  readonly api: DaemonApi;
  private phase: ServiceStatus = { phase: 'connecting', message: null };
  private conn: HostConnection | null = null;
  private unbind: Unsubscribe[] = [];
  private disposed = false;
  private onDispose: () => void = () => undefined;
  private readonly disposing = new Promise<string>((r) => (this.onDispose = () => r('disposed')));
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private readonly serviceListeners = new Set<(s: ServiceStatus) => void>();
  private readonly pushListeners = new Map<PushMethod, Set<(p: unknown) => void>>();

  constructor(
    private readonly port: HostPort,
    private readonly opts: DaemonServiceOptions = {},
  ) {
    const api: Record<string, unknown> = {};
    for (const m of Object.keys(INVOKE) as InvokeMethod[]) {
      if (isAppMethod(m)) continue;
      api[m] = (arg?: unknown) => {
        const conn = this.conn;
        if (conn === null) {
          const message =
            this.phase.phase === 'failed'
              ? `The Dlite service could not start: ${this.phase.message ?? ''}`
              : 'Starting Dlite service…';
          return Promise.resolve(err('daemon-unreachable', message, { service: this.phase.phase }));
        }
        return (conn.api[m] as (a?: unknown) => Promise<unknown>)(arg);
      };
    }
    for (const m of Object.keys(PUSH) as PushMethod[]) {
      if (isAppMethod(m)) continue;
      api[m] = (listener: (p: unknown) => void): Unsubscribe => {
        const set = this.pushListeners.get(m) ?? new Set();
        this.pushListeners.set(m, set);
        set.add(listener);
        return () => set.delete(listener);
      };
    }
    this.api = api as unknown as DaemonApi;
  }

  status(): ServiceStatus {
    return this.phase;
  }

  onService(listener: (s: ServiceStatus) => void): Unsubscribe {
    this.serviceListeners.add(listener);
    return () => this.serviceListeners.delete(listener);
  }

  /** Starts connecting in the background. Idempotent. */
  start(): void {
    this.running ??= this.loop();
  }

  /** After `failed`: try again now (the attempt count starts over). */
  retry(): ServiceStatus {
    if (this.phase.phase === 'failed') {
      this.setPhase({ phase: 'connecting', message: null });
      this.wake?.();
    }
    return this.phase;
  }

  /** Closes the connection (the daemon and its VM keep running) and stops reconnecting. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.onDispose();
    this.wake?.();
    this.drop();
    await this.running;
  }

  private async loop(): Promise<void> {
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const now = this.opts.now ?? Date.now;
    const max = this.opts.maxAttempts ?? 5;
    let failures = 0;
    while (!this.disposed) {
      if (failures > 0) await sleep((this.opts.backoff ?? backoffMs)(failures));
      if (this.disposed) break;
      this.setPhase({ phase: 'connecting', message: null });
      let conn: HostConnection;
      try {
        conn = await this.port.connect();
      } catch (e) {
        failures += 1;
        const message = e instanceof Error ? e.message : String(e);
        this.opts.log?.(`daemon: ${message}`);
        if (failures >= max) {
          this.setPhase({ phase: 'failed', message });
          await new Promise<void>((r) => (this.wake = r));
          this.wake = null;
          failures = 0;
        }
        continue;
      }
      if (this.disposed) {
        conn.close();
        break;
      }
      const since = now();
      this.bind(conn);
      this.setPhase({ phase: 'ready', message: null });
      const reason = await Promise.race([conn.lost, this.disposing]);
      this.drop();
      if (this.disposed) break;
      this.opts.log?.(`daemon: ${reason}`);
      failures = now() - since < (this.opts.stableMs ?? 30_000) ? failures + 1 : 1;
    }
  }

  private bind(conn: HostConnection): void {
    this.conn = conn;
    const emit = (m: PushMethod) => (payload: unknown) => {
      for (const l of this.pushListeners.get(m) ?? []) l(payload);
    };
    this.unbind = (Object.keys(PUSH) as PushMethod[])
      .filter((m) => !isAppMethod(m))
      .map((m) => (conn.api[m] as (l: (p: unknown) => void) => Unsubscribe)(emit(m)));
    // Replay: whoever listens learns the state of the daemon just reached.
    void conn.api.status().then((r) => {
      if (r.ok && this.conn === conn) emit('onState')(r.value);
    });
  }

  private drop(): void {
    for (const off of this.unbind) off();
    this.unbind = [];
    this.conn?.close();
    this.conn = null;
  }

  private setPhase(next: ServiceStatus): void {
    if (next.phase === this.phase.phase && next.message === this.phase.message) return;
    this.phase = next;
    for (const l of this.serviceListeners) l(next);
  }
}

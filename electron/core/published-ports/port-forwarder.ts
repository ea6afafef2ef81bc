import { setTimeout as sleep } from 'node:timers/promises';

import type { DockerApi } from '../docker-api/docker-api.js';
import { planPorts, wantedPorts } from './port-reconcile.js';

export interface PortForwarderOptions {
  /** The engine, reached through the forwarded host socket. */
  readonly api: DockerApi;
  /** Makes 127.0.0.1:hostPort on the host reach guestPort in the VM; rejects when the port is taken. */
  readonly forward: (hostPort: number, guestPort: number) => Promise<void>;
  readonly unforward: (hostPort: number) => Promise<void>;
  readonly log?: (line: string) => void;
  /** Delay before re-opening a broken event stream, ms (default 1 000). */
  readonly reconnectDelayMs?: number;
  /** Events arriving within this many ms are reconciled once (default 100). */
  readonly debounceMs?: number;
}

/** Engine events that can change which ports are published. */
export const PORT_EVENT_FILTERS: Record<string, readonly string[]> = {
  type: ['container', 'network'],
  event: ['start', 'restart', 'unpause', 'die', 'stop', 'kill', 'destroy', 'connect', 'disconnect'],
};

/**
 * Makes `docker run -p 8080:80` reachable at 127.0.0.1:8080 on the host when the VM uses user-mode
 * networking: watches engine events and keeps host forwards equal to the published TCP ports of
 * running containers. A host port already taken is logged once, not fatal, and retried on the next
 * change.
 */
export class PublishedPortForwarder {
  private readonly current = new Map<number, number>();
  private readonly failed = new Set<number>();
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;
  private dirty = false;

  constructor(private readonly options: PortForwarderOptions) {}

  /** Host port → guest port of the forwards in place now. */
  get forwarded(): ReadonlyMap<number, number> {
    return new Map(this.current);
  }

  /**
   * Subscribes to engine events and reconciles once the subscription is open (or the first attempt
   * failed; it keeps retrying in the background). Idempotent.
   */
  start(): Promise<void> {
    if (this.abort) return this.reconcile();
    const abort = new AbortController();
    this.abort = abort;
    let ready: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (ready = resolve));
    this.loop = this.watch(abort.signal, ready).finally(ready);
    return started;
  }

  private async watch(signal: AbortSignal, ready: () => void): Promise<void> {
    const { api, reconnectDelayMs = 1_000, log } = this.options;
    const opened = (): void => void this.reconcile().then(ready);
    while (!signal.aborted) {
      try {
        await api.events(PORT_EVENT_FILTERS, () => this.schedule(), signal, opened);
      } catch (e) {
        log?.(`published ports: event stream: ${(e as Error).message}`);
        ready();
      }
      if (signal.aborted) return;
      await sleep(reconnectDelayMs, undefined, { signal }).catch(() => undefined);
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reconcile(), this.options.debounceMs ?? 100);
  }

  /** Brings forwards in line with the engine now. Serialized: a call during a run queues one more run. */
  reconcile(): Promise<void> {
    if (this.reconciling) {
      this.dirty = true;
      return this.reconciling;
    }
    this.reconciling = (async () => {
      do {
        this.dirty = false;
        await this.reconcileOnce();
      } while (this.dirty);
    })().finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<void> {
    const { api, forward, unforward, log } = this.options;
    let wanted: Map<number, number>;
    try {
      wanted = wantedPorts(await api.listContainers({ timeoutMs: 10_000 }));
    } catch (e) {
      log?.(`published ports: listing containers failed: ${(e as Error).message}`);
      return;
    }
    for (const port of this.failed) if (!wanted.has(port)) this.failed.delete(port);
    const plan = planPorts(wanted, this.current);
    for (const hostPort of plan.remove) {
      try {
        await unforward(hostPort);
      } catch (e) {
        log?.(`published ports: removing 127.0.0.1:${hostPort} failed: ${(e as Error).message}`);
      }
      this.current.delete(hostPort);
    }
    for (const { hostPort, guestPort } of plan.add) {
      try {
        await forward(hostPort, guestPort);
        this.current.set(hostPort, guestPort);
        this.failed.delete(hostPort);
      } catch (e) {
        if (!this.failed.has(hostPort)) {
          log?.(
            `published ports: cannot forward 127.0.0.1:${hostPort} (in use on this machine?): ${(e as Error).message}`,
          );
        }
        this.failed.add(hostPort);
      }
    }
  }

  /**
   * Stops watching. With `removeForwards` (default true) also removes every forward it made;
   * pass false when the VM is going away anyway. Idempotent.
   */
  async stop(options: { removeForwards?: boolean } = {}): Promise<void> {
    this.abort?.abort();
    this.abort = undefined;
    clearTimeout(this.timer);
    await this.loop;
    await this.reconciling;
    if (options.removeForwards ?? true) {
      for (const hostPort of [...this.current.keys()]) {
        await this.options.unforward(hostPort).catch((e: unknown) => {
          this.options.log?.(
            `published ports: removing 127.0.0.1:${hostPort} failed: ${(e as Error).message}`,
          );
        });
      }
    }
    this.current.clear();
    this.failed.clear();
  }
}

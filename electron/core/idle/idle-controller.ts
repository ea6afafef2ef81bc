import type { Settings, VmStatus } from '../../shared/types.js';
import type { Result } from '../../shared/errors.js';
import type { HypervisorDriver } from '../drivers/driver.js';
import type { Logger } from '../log/logger.js';
import { GUEST_USAGE_COMMAND, parseGuestUsage, type ResourceSampler } from '../resources/figures.js';
import type { GuestLink } from '../supervisor/ports.js';
import { IdleClock, shouldSleep } from './idle-policy.js';
import { idleLevel, memoryRestartReason } from './memory-restart.js';

/** What the controller needs from the supervisor. */
export interface IdleHost {
  status(): VmStatus;
  onState(listener: (s: VmStatus) => void): () => void;
  guest(): GuestLink | null;
  runningDriver(): HypervisorDriver | null;
  sleep(): Promise<Result<VmStatus>>;
  /** A graceful restart that keeps docker.sock waiting (never saves the VM). */
  recycle(): Promise<Result<VmStatus>>;
  /** Gives the memory of a VM quiet since then back to the host, unless done since (see settleMemory). */
  settleIdleMemory(quietSince: number): Promise<void>;
  loadSettings(): Promise<Settings>;
}

export interface IdleControllerOptions {
  readonly host: IdleHost;
  /** docker.sock's client count. */
  readonly clients: { readonly clients: number; readonly lastClientSeen: number };
  readonly sampler: ResourceSampler;
  readonly logger: Logger;
  /** Milliseconds between looks at what uses the VM (running containers, docker.sock clients); default 60 s. */
  readonly probeMs?: number;
  /** Milliseconds between host samples (CPU, memory, disk file); default 10 s. */
  readonly sampleMs?: number;
  /**
   * Milliseconds between guest commands for its memory/disk use and SSH sessions (default 2 min):
   * each one costs the emulated guest a fork or three. One also runs before every sleep.
   */
  readonly guestMs?: number;
  /** How long the VM must be quiet before a restart to free memory, ms (default: MEMORY_RESTART.quietMs). */
  readonly memoryQuietMs?: number;
  /** How long a VM must be quiet before its memory is handed back, ms (default 60 s). */
  readonly settleQuietMs?: number;
}

/**
 * Watches a running VM: samples the host figures every few seconds, probes the guest (running
 * containers, interactive SSH sessions, its own memory and disk use) less often, and puts the VM to
 * sleep once {@link shouldSleep} says so for the current `idle_stop_minutes` (read live). A VM that
 * has been quiet for `settleQuietMs` hands its memory back (IdleHost.settleIdleMemory). With
 * `restart_to_free_memory`, it restarts a quiet VM whose footprint the hypervisor cannot shrink
 * ({@link memoryRestartReason}).
 */
export class IdleController {
  private clock: IdleClock | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private sampleTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private probing = false;
  private guestAt = 0;
  private sshSessions = 0;
  /** The hypervisor's RSS when first seen idle after this boot (see `idleLevel`). */
  private idleRss: number | null = null;

  constructor(private readonly o: IdleControllerOptions) {}

  /** Follows the supervisor's state. Idempotent. */
  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.o.host.onState((s) => this.follow(s));
    this.follow(this.o.host.status());
  }

  /** Stops every timer. Idempotent. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.halt();
  }

  private follow(s: VmStatus): void {
    if (s.state !== 'running') {
      this.halt();
      if (s.state !== 'starting') void this.o.sampler.sample([]);
      return;
    }
    if (this.probeTimer) return;
    this.clock = new IdleClock(Date.now());
    this.probeTimer = setInterval(() => void this.probe(), this.o.probeMs ?? 60_000);
    this.sampleTimer = setInterval(() => void this.sample(), this.o.sampleMs ?? 10_000);
    this.probeTimer.unref();
    this.sampleTimer.unref();
    void this.sample();
    void this.probe();
  }

  private halt(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    if (this.sampleTimer) clearInterval(this.sampleTimer);
    this.probeTimer = null;
    this.sampleTimer = null;
    this.clock = null;
    this.guestAt = 0;
    this.sshSessions = 0;
    this.idleRss = null;
    this.o.sampler.setGuest(null);
  }

  /** The guest's own figures and its interactive SSH sessions, by one guest command. */
  private async refreshGuest(link: GuestLink): Promise<void> {
    const usage = await link.run(GUEST_USAGE_COMMAND, 20_000).then((r) => parseGuestUsage(r.stdout));
    this.o.sampler.setGuest(usage?.usage ?? null);
    this.sshSessions = usage?.ptySessions ?? 0;
    this.guestAt = Date.now();
  }

  private async sample(): Promise<void> {
    await this.o.sampler.sample(this.o.host.runningDriver()?.processIds?.() ?? []);
  }

  /** One look at what uses the VM; sleeps it when idle long enough. */
  async probe(): Promise<void> {
    const link = this.o.host.guest();
    const clock = this.clock;
    if (!link || !clock || this.probing) return;
    this.probing = true;
    try {
      const containers = await link.runningContainers();
      const fresh = Date.now() - this.guestAt >= (this.o.guestMs ?? 120_000);
      if (fresh) await this.refreshGuest(link);
      const look = () => {
        const now = Date.now();
        clock.observe({
          at: now,
          containers,
          dockerClients: this.o.clients.clients,
          lastDockerClient: this.o.clients.lastClientSeen,
          sshSessions: this.sshSessions,
        });
        return now;
      };
      let now = look();
      const settings = await this.o.host.loadSettings();
      const minutes = settings.idle_stop_minutes;
      if (shouldSleep(clock.idleForMs(now), minutes) && !fresh) {
        // About to sleep: make sure no SSH session opened since the guest was last asked.
        await this.refreshGuest(link);
        now = look();
      }
      if (this.clock === clock && shouldSleep(clock.idleForMs(now), minutes)) {
        this.o.logger.info(
          `idle for ${minutes} min (no container, docker.sock client or SSH session): sleeping`,
        );
        const r = await this.o.host.sleep();
        if (!r.ok) this.o.logger.warn(`idle stop: ${r.error.message}`);
      } else if (this.clock === clock) {
        const quiet = containers === 0 && this.o.clients.clients === 0 && this.sshSessions === 0;
        const idleFor = clock.idleForMs(now);
        if (quiet && idleFor >= (this.o.settleQuietMs ?? 60_000)) {
          await this.o.host.settleIdleMemory(now - idleFor);
        }
        await this.checkFootprint(settings, idleFor, quiet);
      }
    } catch (e) {
      this.o.logger.warn(`idle probe: ${(e as Error).message}`);
    } finally {
      this.probing = false;
    }
  }

  /** Records the idle level; with `restart_to_free_memory`, restarts a quiet VM far above it. */
  private async checkFootprint(settings: Settings, idleForMs: number, quiet: boolean): Promise<void> {
    const driver = this.o.host.runningDriver();
    if (!driver) return;
    const rss = this.o.sampler.latest()?.hypervisorRssBytes ?? null;
    this.idleRss = idleLevel(this.idleRss, rss, quiet);
    const why = memoryRestartReason(
      {
        enabled: settings.restart_to_free_memory,
        memoryReturn: driver.info.features.memoryReturn,
        idleForMs,
        rssBytes: rss,
        idleRssBytes: this.idleRss,
      },
      this.o.memoryQuietMs,
    );
    if (why === null) return;
    this.o.logger.info(`restart_to_free_memory: ${why}; restarting the idle VM`);
    const r = await this.o.host.recycle();
    if (!r.ok) this.o.logger.warn(`restart to free memory: ${r.error.message}`);
  }
}

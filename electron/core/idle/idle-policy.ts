/** What uses the VM at one moment. */
export interface Activity {
  /** `Date.now()` of the observation. */
  readonly at: number;
  /** Running containers. */
  readonly containers: number;
  /** Clients connected to docker.sock now. */
  readonly dockerClients: number;
  /** `Date.now()` a docker.sock client was last connected (0: never). */
  readonly lastDockerClient: number;
  /** Interactive SSH sessions in the guest (`dlite ssh`, the terminal). */
  readonly sshSessions: number;
}

/**
 * The idle rule: the VM is idle once, for `idle_stop_minutes`, no container has been running, no
 * client has been connected to docker.sock and no SSH session has been open. Observations come
 * every few seconds; a busy one, or a docker.sock client seen in between, restarts the clock.
 */
export class IdleClock {
  private lastBusy: number;

  /** `since`: when the VM became usable (a fresh boot or wake counts as activity). */
  constructor(since: number) {
    this.lastBusy = since;
  }

  observe(a: Activity): void {
    if (a.containers > 0 || a.dockerClients > 0 || a.sshSessions > 0) {
      this.lastBusy = Math.max(this.lastBusy, a.at);
    }
    this.lastBusy = Math.max(this.lastBusy, a.lastDockerClient);
  }

  /** Milliseconds without activity at `now`. */
  idleForMs(now: number): number {
    return Math.max(0, now - this.lastBusy);
  }
}

/** True when the VM has been idle for `minutes` (0 = never sleep). Pure. */
export function shouldSleep(idleForMs: number, minutes: number): boolean {
  return minutes > 0 && idleForMs >= minutes * 60_000;
}

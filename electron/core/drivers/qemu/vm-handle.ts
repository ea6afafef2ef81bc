import { setTimeout as sleep } from 'node:timers/promises';

import type { ChildExit } from '../../process/supervised.js';
import { settlesWithin } from '../../process/settles-within.js';
import { readFileTail } from '../../process/supervised.js';
import { isAlive } from '../../vm/pidfile.js';
import type { ExitInfo } from '../driver.js';
import { QmpClient, type QmpEvent } from './qmp.js';

/** Milliseconds between liveness checks of a QEMU this process did not start. */
export const ADOPTED_POLL_MS = 200;

/** How a {@link QemuVm} learns that QEMU ended. */
export type ExitSource =
  | { readonly kind: 'child'; readonly exit: Promise<ChildExit> }
  | { readonly kind: 'adopted'; readonly logPath: string };

/**
 * One running QEMU: its pid, a QMP connection (kept open: QEMU serves one QMP client at a time and
 * SHUTDOWN events tell a clean powerdown from a crash) and an `exited` promise that settles once,
 * after `finalize` has cleaned up.
 */
export class QemuVm {
  private qmp: QmpClient | null = null;
  private shutdownReason: string | null = null;
  private forced = false;
  private gone = false;
  private detached = false;
  /** Settles when QEMU has ended and the driver's files are cleaned up. Never rejects. */
  readonly exited: Promise<ExitInfo>;

  constructor(
    readonly pid: number,
    private readonly qmpSocket: string,
    source: ExitSource,
    finalize: () => Promise<void>,
  ) {
    const raw = source.kind === 'child' ? source.exit : this.pollUntilGone(source.logPath);
    this.exited = raw.then(async (exit) => {
      this.gone = true;
      this.qmp?.close();
      if (!this.detached) await finalize().catch(() => undefined);
      const clean =
        this.shutdownReason === 'guest-shutdown' && !this.forced && (exit.code === 0 || exit.code === null);
      return { code: exit.code, signal: exit.signal, clean, stderrTail: exit.stderrTail };
    });
  }

  private async pollUntilGone(logPath: string): Promise<ChildExit> {
    while (await isAlive(this.pid)) {
      await sleep(ADOPTED_POLL_MS);
      if (this.detached) return new Promise<ChildExit>(() => undefined);
    }
    return { code: null, signal: null, stderrTail: await readFileTail(logPath, 20) };
  }

  /** True once QEMU has ended. */
  get isGone(): boolean {
    return this.gone;
  }

  /** The reason of the last QMP SHUTDOWN event (`guest-shutdown`, `host-qmp-quit`, `guest-panic`...). */
  get lastShutdownReason(): string | null {
    return this.shutdownReason;
  }

  /** Uses `client` as this VM's QMP connection, recording SHUTDOWN reasons. */
  attachQmp(client: QmpClient): void {
    this.qmp?.close();
    this.qmp = client;
    client.on('SHUTDOWN', (ev: QmpEvent) => {
      const reason = ev.data?.['reason'];
      this.shutdownReason = typeof reason === 'string' ? reason : 'unknown';
    });
  }

  /** The open QMP connection, reconnecting when it dropped; null when QEMU does not answer. */
  async qmpClient(timeoutMs = 5000): Promise<QmpClient | null> {
    if (this.gone) return null;
    if (this.qmp && !this.qmp.isClosed) return this.qmp;
    try {
      this.attachQmp(await QmpClient.connect(this.qmpSocket, { timeoutMs }));
      return this.qmp;
    } catch {
      return null;
    }
  }

  /** Resolves true when QEMU ends within `ms`. */
  waitExit(ms: number): Promise<boolean> {
    return settlesWithin(this.exited, ms);
  }

  /** Sends `signal` to QEMU; marks the exit as forced. No-op once it is gone. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.gone) return;
    this.forced = true;
    try {
      process.kill(this.pid, signal);
    } catch {
      // already gone
    }
  }

  /** Marks the coming exit as not clean (e.g. after QMP quit). */
  markForced(): void {
    this.forced = true;
  }

  /**
   * Lets go of QEMU without touching it (hand-over to another supervisor): closes QMP, stops watching
   * an adopted pid and skips clean-up when it later ends.
   */
  detach(): void {
    this.detached = true;
    this.qmp?.close();
    this.qmp = null;
  }
}

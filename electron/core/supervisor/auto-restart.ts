import type { Logger } from '../log/logger.js';
import { AUTO_RESTART, mayAutoRestart } from './state.js';

/** Restarts a crashed VM with backoff: at most {@link AUTO_RESTART}.maxTries within its window. */
export class AutoRestarter {
  private times: number[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly restart: () => void,
  ) {}

  /** Schedules one restart unless the budget is spent. */
  schedule(): void {
    const now = Date.now();
    this.times = this.times.filter((t) => now - t < AUTO_RESTART.windowMs);
    if (!mayAutoRestart(this.times, now)) {
      this.logger.warn(
        `not restarting: ${AUTO_RESTART.maxTries} restarts within ${AUTO_RESTART.windowMs / 60_000} minutes`,
      );
      return;
    }
    const delay = AUTO_RESTART.delayMs(this.times.length + 1);
    this.logger.info(`auto-restart in ${delay} ms`);
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.times.push(Date.now());
      this.restart();
    }, delay);
  }

  /** Drops a pending restart (a user start or stop takes over). Idempotent. */
  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

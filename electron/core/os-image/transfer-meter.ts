import type { TransferDto } from '../../shared/types.js';

/** The rate is averaged over this window (ms). */
const WINDOW_MS = 5_000;

/**
 * Bytes, rate and ETA of a transfer of `totalBytes`. Bytes already on disk when it starts
 * (a resumed download) count as done but not towards the rate.
 */
export class TransferMeter {
  private readonly samples: { at: number; bytes: number }[] = [];
  private done = 0;

  constructor(
    readonly totalBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records that `bytes` of the total are done (monotonic over the transfer). */
  update(bytes: number): void {
    this.done = bytes;
    const at = this.now();
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && (this.samples[0]?.at ?? at) < at - WINDOW_MS) this.samples.shift();
  }

  /** Starts the rate afresh (after a pause, e.g. between a retry's attempts), keeping the bytes. */
  restartRate(): void {
    this.samples.length = 0;
    this.update(this.done);
  }

  snapshot(file: string): TransferDto {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const seconds = first && last ? (last.at - first.at) / 1000 : 0;
    const rate = first && last && seconds > 0 ? (last.bytes - first.bytes) / seconds : 0;
    const left = Math.max(0, this.totalBytes - this.done);
    return {
      file,
      bytes: this.done,
      totalBytes: this.totalBytes,
      bytesPerSecond: Math.round(rate),
      etaSeconds: rate > 0 ? Math.ceil(left / rate) : left === 0 ? 0 : null,
    };
  }
}

import { formatBytes, formatEta, formatTransfer, transferPercent } from '../shared/format-transfer.js';
import type { ProgressDto, TransferDto } from '../shared/types.js';
import type { CliIo } from './context.js';
import { fancyStderr } from './progress.js';

const BAR_WIDTH = 24;

/** `[##########··············]  41%  29.0 MiB/70.6 MiB  5.2 MiB/s  ETA 8 s` */
export function progressBar(t: TransferDto, width = BAR_WIDTH): string {
  const pct = transferPercent(t);
  const filled = Math.round((pct / 100) * width);
  const rate = t.bytesPerSecond > 0 ? `${formatBytes(t.bytesPerSecond)}/s` : '— /s';
  return `[${'#'.repeat(filled)}${'·'.repeat(width - filled)}] ${String(pct).padStart(3)}%  ${formatBytes(t.bytes)}/${formatBytes(t.totalBytes)}  ${rate}  ETA ${formatEta(t.etaSeconds)}`;
}

export interface TransferViewOptions {
  /** Draw a redrawn bar (a terminal on stderr); otherwise print plain lines. */
  readonly tty?: boolean;
  readonly write?: (text: string) => void;
  /** Put before each step line (sub-steps of a larger command are indented). */
  readonly indent?: string;
}

/**
 * Shows the steps of an install or update and the download's progress: on a terminal a bar on
 * stderr redrawn in place, otherwise one line per step, per file and per quarter of the bytes.
 */
export function createTransferView(io: CliIo, opts: TransferViewOptions = {}) {
  const tty = opts.tty ?? fancyStderr(io);
  const write = opts.write ?? ((t: string) => void process.stderr.write(t));
  let step: string | null = null;
  let file: string | null = null;
  let quarter = -1;
  let drawn = false;
  const clear = (): void => {
    if (drawn) write('\r\x1b[2K');
    drawn = false;
  };
  return {
    update(p: ProgressDto): void {
      const head = `${opts.indent ?? ''}[${p.current}/${p.max}] ${p.description}`;
      if (tty) {
        if (p.step !== step && step !== null && drawn) write('\n');
        else clear();
        write(p.transfer ? `${head}  ${progressBar(p.transfer)}` : head);
        drawn = true;
        step = p.step;
        return;
      }
      if (p.step !== step || (p.transfer !== undefined && p.transfer.file !== file)) io.err(head);
      step = p.step;
      if (p.transfer === undefined) return;
      file = p.transfer.file;
      const q = Math.floor(transferPercent(p.transfer) / 25);
      if (q !== quarter) {
        quarter = q;
        io.err(`${opts.indent ?? ''}  ${formatTransfer(p.transfer)}`);
      }
    },
    /** Ends the bar's line; call once when the operation is over. */
    done(): void {
      if (tty && drawn) write('\n');
      drawn = false;
    },
  };
}

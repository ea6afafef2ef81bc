import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';

import type { LogLine } from '../../shared/types.js';

/** Rotate `dlite.log` when it passes this size; one previous file (`.1`) is kept. */
export const MAX_LOG_BYTES = 5 * 1024 * 1024;

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Subscribe to every line written; returns an unsubscribe. */
  onLine(listener: (line: LogLine) => void): () => void;
}

/**
 * Appends timestamped lines to `file` (rotated by size) and fans them out to listeners.
 * Writes are synchronous and small: log order matters more than throughput here.
 */
export function createFileLogger(
  file: string,
  opts: { echo?: (text: string) => void; maxBytes?: number } = {},
): Logger {
  const listeners = new Set<(line: LogLine) => void>();
  const maxBytes = opts.maxBytes ?? MAX_LOG_BYTES;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const write = (level: string, message: string): void => {
    const time = new Date().toISOString();
    const text = `${level} ${message}`;
    try {
      if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) > maxBytes) renameSync(file, `${file}.1`);
      appendFileSync(file, `${time} ${text}\n`, { mode: 0o600 });
    } catch {
      // A full disk must not take the supervisor down; listeners still get the line.
    }
    opts.echo?.(`${time} ${text}`);
    for (const l of listeners) l({ source: 'dlite', time, text });
  };
  return {
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
    onLine: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

import { open, stat } from 'node:fs/promises';

import { tailLines } from '../../core/fs/tail.js';
import { cliPaths } from '../../core/host/connect-host.js';
import type { CliIo } from '../commands.js';
import { parseFlags } from '../flags.js';

const FOLLOW_POLL_MS = 250;

/** Prints what was appended to `file` after `offset` until `signal` aborts (also across rotation). */
async function follow(file: string, offset: number, io: CliIo, signal: AbortSignal): Promise<void> {
  let position = offset;
  let partial = '';
  while (!signal.aborted) {
    const size = (await stat(file).catch(() => null))?.size ?? 0;
    if (size < position) position = 0;
    if (size > position) {
      const handle = await open(file, 'r');
      try {
        const buffer = Buffer.alloc(size - position);
        await handle.read(buffer, 0, buffer.length, position);
        position = size;
        const lines = (partial + buffer.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) io.out(line);
      } finally {
        await handle.close();
      }
    }
    await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
  }
}

/** `dlite logs [-f] [--console] [-n N]`: Dlite's own log, or the VM's serial console. */
export async function logsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { flags } = parseFlags('logs', args, {
    follow: { short: 'f', value: false },
    console: { value: false },
    lines: { short: 'n', value: true },
  });
  const n = flags['lines'] === undefined ? 200 : Number(flags['lines']);
  if (!Number.isInteger(n) || n < 1) {
    io.err('dlite logs: --lines must be a positive whole number');
    return 2;
  }
  const paths = cliPaths(io);
  const file = flags['console'] ? paths.consoleLog : paths.dliteLog;
  const size = (await stat(file).catch(() => null))?.size ?? 0;
  for (const line of await tailLines(file, n)) io.out(line);
  if (!flags['follow']) return 0;
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await follow(file, size, io, abort.signal);
  return 0;
}

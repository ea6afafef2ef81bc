import { open, stat } from 'node:fs/promises';

/** How often a followed file is checked for new lines, ms. */
export const FOLLOW_POLL_MS = 250;

/**
 * Calls `onLine` with every line appended to `file` from byte `offset` on (from its current end
 * when omitted) until `signal` aborts; a file that shrinks (rotated) is read again from its start.
 * A missing file is waited for.
 */
export async function followFile(
  file: string,
  onLine: (line: string) => void,
  signal: AbortSignal,
  offset?: number,
): Promise<void> {
  let position = offset ?? (await stat(file).catch(() => null))?.size ?? 0;
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
        for (const line of lines) onLine(line.replace(/\r$/, ''));
      } finally {
        await handle.close();
      }
    }
    await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
  }
}

import { open } from 'node:fs/promises';

/** The last `max` non-blank lines of `text`, trailing white space trimmed, oldest first. */
export function lastLines(text: string, max: number): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .slice(-max);
}

/** The last `n` lines of a text file (reads at most `maxBytes` from its end); [] when it does not exist. */
export async function tailFile(file: string, n: number, maxBytes = 256 * 1024): Promise<string[]> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').replace(/\r/g, '').split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (length < size) lines.shift();
    return lines.slice(-n);
  } finally {
    await handle.close();
  }
}

import { access, constants } from 'node:fs/promises';
import path from 'node:path';

import { shellQuote } from './qemu-args.js';

/** How `suspend/vm.state` is compressed. */
export type StateCodec = 'zstd' | 'gzip' | 'none';

/** A compressor found on this host: its codec and absolute path (null for `none`). */
export interface StateCompressor {
  readonly codec: StateCodec;
  readonly bin: string | null;
}

/** Where Homebrew and MacPorts put zstd on a Mac; the daemon's PATH may not name them. */
const EXTRA_DIRS = ['/opt/homebrew/bin', '/usr/local/bin', '/opt/local/bin', '/usr/bin', '/bin'];

/** The folders searched for a compressor: PATH's absolute entries, then the usual install folders. */
export function searchDirs(envPath: string = process.env['PATH'] ?? ''): string[] {
  return [...envPath.split(path.delimiter).filter((d) => path.isAbsolute(d)), ...EXTRA_DIRS];
}

/** First executable `name` in `dirs`; null when none. */
export async function findExecutable(name: string, dirs: readonly string[]): Promise<string | null> {
  for (const dir of dirs) {
    const file = path.join(dir, name);
    try {
      await access(file, constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  return null;
}

/**
 * The compressor a saved VM is written with: zstd when installed (fast both ways: the wake reads
 * the state through it), else gzip (part of every macOS and Debian), else none.
 */
export async function pickCompressor(dirs: readonly string[] = searchDirs()): Promise<StateCompressor> {
  for (const codec of ['zstd', 'gzip'] as const) {
    const bin = await findExecutable(codec, dirs);
    if (bin) return { codec, bin };
  }
  return { codec: 'none', bin: null };
}

/** The compressor for a saved state written with `codec`, or null when this host no longer has it. */
export async function compressorFor(
  codec: StateCodec,
  dirs: readonly string[] = searchDirs(),
): Promise<StateCompressor | null> {
  if (codec === 'none') return { codec, bin: null };
  const bin = await findExecutable(codec, dirs);
  return bin ? { codec, bin } : null;
}

/**
 * The `exec:` shell command QEMU migrates into: the stream on stdin, compressed into `file`.
 * zstd level 1 on all cores (the VM is paused meanwhile), gzip -1. Pure.
 */
export function encodeCommand(c: StateCompressor, file: string): string {
  const out = `> ${shellQuote(file)}`;
  if (c.codec === 'zstd' && c.bin) return `${shellQuote(c.bin)} -q -1 -T0 ${out}`;
  if (c.codec === 'gzip' && c.bin) return `${shellQuote(c.bin)} -1 ${out}`;
  return `cat ${out}`;
}

/** The `exec:` shell command QEMU loads a saved state from (`-incoming`): `file` decoded on stdout. Pure. */
export function decodeCommand(c: StateCompressor, file: string): string {
  if (c.codec === 'zstd' && c.bin) return `${shellQuote(c.bin)} -dcq ${shellQuote(file)}`;
  if (c.codec === 'gzip' && c.bin) return `${shellQuote(c.bin)} -dc ${shellQuote(file)}`;
  return `cat ${shellQuote(file)}`;
}

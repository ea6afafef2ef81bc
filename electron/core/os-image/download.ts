import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';

import { OsImageError, sha256File } from './manifest.js';
import { cancelled, isCancel, networkReason } from './http.js';

/** One file to fetch: where from, what it must be, and where it goes. */
export interface DownloadTarget {
  readonly url: string;
  /** The file's name, for messages. */
  readonly name: string;
  /** Bytes. */
  readonly size: number;
  readonly sha256: string;
  /** The final path. Bytes go to `<dest>.partial` first and are renamed only once verified. */
  readonly dest: string;
}

export interface DownloadOptions {
  readonly signal?: AbortSignal;
  /** Bytes of this file on disk so far (resumed bytes included); called for every chunk. */
  readonly onBytes?: (bytes: number) => void;
  /** Attempts in a row that may fail without a new byte before giving up. Default 3. */
  readonly retries?: number;
  /** An attempt that receives nothing for this long is dropped and resumed (ms). Default 30 s. */
  readonly idleTimeoutMs?: number;
  /** Pause before a retry (ms). Default 500. */
  readonly retryDelayMs?: number;
}

export interface DownloadOutcome {
  /** `cached`: `dest` already held the verified file. */
  readonly status: 'downloaded' | 'cached';
  /** The offset of every `Range` request made (resumed downloads). */
  readonly resumedAt: readonly number[];
}

const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);

/** Thrown inside an attempt when the connection broke after `received` new bytes; it is retried. */
class Dropped extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

async function sizeOf(file: string): Promise<number | null> {
  return stat(file).then(
    (s) => s.size,
    () => null,
  );
}

/** Parses `Content-Range: bytes START-END/TOTAL`. */
function contentRange(header: string | null): { start: number; total: number | null } | null {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header ?? '');
  if (!m) return null;
  return { start: Number(m[1]), total: m[2] === '*' ? null : Number(m[2]) };
}

function sizeMismatch(t: DownloadTarget, what: string): OsImageError {
  return new OsImageError(
    'image-digest-mismatch',
    `${t.name}: ${what}; the release index says ${t.size} bytes`,
    {
      file: t.name,
      url: t.url,
      expected: t.size,
    },
  );
}

/**
 * One HTTP request from `offset`, appending to `partial` (or rewriting it when the server ignores
 * `Range`). Resolves when the body ended; throws {@link Dropped} on a broken connection, a 5xx or
 * an idle timeout (to be retried), {@link OsImageError} otherwise.
 */
async function attempt(
  t: DownloadTarget,
  partial: string,
  offset: number,
  opts: DownloadOptions,
): Promise<void> {
  const idle = new AbortController();
  const idleMs = opts.idleTimeoutMs ?? 30_000;
  let timer = setTimeout(() => idle.abort(), idleMs);
  const kick = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(), idleMs);
  };
  const signal = opts.signal ? AbortSignal.any([opts.signal, idle.signal]) : idle.signal;
  try {
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (offset > 0) headers['range'] = `bytes=${offset}-`;
    let res: Response;
    try {
      res = await fetch(t.url, { headers, signal });
    } catch (e) {
      if (isCancel(e, opts.signal)) throw cancelled();
      throw new Dropped(idle.signal.aborted ? `no answer within ${idleMs / 1000} s` : networkReason(e));
    }
    let start = 0;
    if (res.status === 206 && offset > 0) {
      const range = contentRange(res.headers.get('content-range'));
      if (range === null || range.start !== offset || (range.total !== null && range.total !== t.size)) {
        await res.body?.cancel().catch(() => undefined);
        await rm(partial, { force: true });
        throw new Dropped(`the server resumed at an unexpected place (${res.headers.get('content-range')})`);
      }
      start = offset;
    } else if (res.status === 416) {
      await res.body?.cancel().catch(() => undefined);
      await rm(partial, { force: true });
      throw new Dropped('the server refused to resume (HTTP 416); starting over');
    } else if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      const message = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
      // A server error may pass; a client error (404, 403) will not.
      if (res.status >= 500) throw new Dropped(message);
      throw new OsImageError('download-failed', `${t.name}: ${message} from ${t.url}`, {
        file: t.name,
        url: t.url,
        status: res.status,
      });
    } else {
      const length = res.headers.get('content-length');
      if (length !== null && Number(length) !== t.size) {
        await res.body?.cancel().catch(() => undefined);
        throw sizeMismatch(t, `the server has ${length} bytes`);
      }
    }
    let written = start;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        written += chunk.length;
        kick();
        if (written > t.size) {
          done(sizeMismatch(t, `the server sent more than ${t.size} bytes`));
          return;
        }
        done(null, chunk);
        opts.onBytes?.(written);
      },
    });
    const body = res.body ? Readable.fromWeb(res.body as WebReadableStream<Uint8Array>) : Readable.from([]);
    const out = createWriteStream(partial, { flags: start > 0 ? 'a' : 'w', mode: 0o600 });
    let writeError: NodeJS.ErrnoException | null = null;
    out.once('error', (e) => (writeError = e));
    try {
      await pipeline(body, count, out);
    } catch (e) {
      if (e instanceof OsImageError) throw e;
      if (isCancel(e, opts.signal)) throw cancelled();
      const failed = writeError as NodeJS.ErrnoException | null;
      if (failed !== null) {
        const code = failed.code ?? failed.message;
        if (NO_SPACE.has(code)) {
          throw new OsImageError('disk-full', `Disk full while writing ${partial} (${code})`, {
            file: partial,
          });
        }
        throw new OsImageError('download-failed', `Cannot write ${partial}: ${code}`, { file: partial });
      }
      throw new Dropped(idle.signal.aborted ? `nothing received for ${idleMs / 1000} s` : networkReason(e));
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Downloads `t.url` to `t.dest`, verified. Bytes go to `<dest>.partial`; a partial left by an
 * interrupted run, or a connection that drops mid-file, is resumed with an HTTP `Range` request
 * (a server that ignores it sends the whole file again). Size and sha256 are checked before the
 * rename onto `dest`, so `dest` only ever holds a verified file. Throws {@link OsImageError}:
 * `download-failed` (unreachable, HTTP error, retries exhausted), `image-digest-mismatch` (size
 * or sha256, naming the file and both values; the bad bytes are deleted), `disk-full`, `cancelled`.
 */
export async function downloadFile(t: DownloadTarget, opts: DownloadOptions = {}): Promise<DownloadOutcome> {
  const existing = await sizeOf(t.dest);
  if (existing === t.size && (await sha256File(t.dest)) === t.sha256) {
    opts.onBytes?.(t.size);
    return { status: 'cached', resumedAt: [] };
  }
  if (existing !== null) await rm(t.dest, { force: true });
  const partial = `${t.dest}.partial`;
  const resumedAt: number[] = [];
  const retries = opts.retries ?? 3;
  let fromEarlierRun = ((await sizeOf(partial)) ?? 0) > 0;
  for (;;) {
    let failures = 0;
    let lastReason = '';
    for (;;) {
      let offset = (await sizeOf(partial)) ?? 0;
      if (offset > t.size) {
        await rm(partial, { force: true });
        offset = 0;
      }
      if (offset === t.size) break;
      if (offset > 0) resumedAt.push(offset);
      try {
        await attempt(t, partial, offset, opts);
        const now = (await sizeOf(partial)) ?? 0;
        if (now < t.size) {
          await rm(partial, { force: true });
          throw sizeMismatch(t, `the server sent ${now} bytes and closed (truncated)`);
        }
      } catch (e) {
        if (!(e instanceof Dropped)) {
          if (e instanceof OsImageError && e.code !== 'cancelled') await rm(partial, { force: true });
          throw e;
        }
        const after = (await sizeOf(partial)) ?? 0;
        failures = after > offset ? 1 : failures + 1;
        lastReason = e.reason;
        if (failures > retries) {
          throw new OsImageError(
            'download-failed',
            `${t.name}: ${lastReason} (from ${t.url}; ${after} of ${t.size} bytes kept, run it again to resume)`,
            { file: t.name, url: t.url },
          );
        }
        if (opts.signal?.aborted) throw cancelled();
        await sleep(opts.retryDelayMs ?? 500);
      }
    }
    const actual = await sha256File(partial);
    if (actual === t.sha256) break;
    await rm(partial, { force: true });
    // A partial left by an earlier run may belong to other bytes: start once from zero.
    if (fromEarlierRun) {
      fromEarlierRun = false;
      continue;
    }
    throw new OsImageError(
      'image-digest-mismatch',
      `${t.name}: sha256 mismatch: the release index says ${t.sha256}, the download is ${actual}`,
      { file: t.name, url: t.url, expected: t.sha256, actual },
    );
  }
  await rename(partial, t.dest);
  return { status: 'downloaded', resumedAt };
}

import { OsImageError } from './manifest.js';

/** Largest release index accepted, in bytes. */
export const MAX_INDEX_BYTES = 1024 * 1024;
/** How long the index may take to arrive, in ms. */
export const INDEX_TIMEOUT_MS = 30_000;

/** The reason a `fetch` failed, in a few words: `ECONNREFUSED`, `ENOTFOUND`, `other side closed`. */
export function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return e instanceof Error ? e.message : String(e);
}

/** True when `e` is the abort of `signal` (the user cancelled), not a network failure. */
export function isCancel(e: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && (e as { name?: unknown } | null)?.name === 'AbortError';
}

export function cancelled(): OsImageError {
  return new OsImageError('cancelled', 'The OS download was cancelled');
}

/**
 * GETs the release index's text. Throws `download-failed` naming the URL and the reason when the
 * channel cannot be reached, answers an HTTP error, or sends more than {@link MAX_INDEX_BYTES}.
 */
export async function fetchIndexText(url: string, signal?: AbortSignal): Promise<string> {
  const timeout = AbortSignal.timeout(INDEX_TIMEOUT_MS);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, { signal: combined, headers: { accept: 'application/json' } });
  } catch (e) {
    if (isCancel(e, signal)) throw cancelled();
    const why = timeout.aborted ? `no answer within ${INDEX_TIMEOUT_MS / 1000} s` : networkReason(e);
    throw new OsImageError('download-failed', `Could not reach the release channel ${url}: ${why}`, { url });
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new OsImageError(
      'download-failed',
      `The release channel ${url} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
      { url, status: res.status },
    );
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body ?? []) {
      size += (chunk as Uint8Array).byteLength;
      if (size > MAX_INDEX_BYTES) {
        throw new OsImageError(
          'release-index-invalid',
          `${url}: larger than ${MAX_INDEX_BYTES} bytes; not a release index`,
        );
      }
      chunks.push(chunk as Uint8Array);
    }
  } catch (e) {
    if (e instanceof OsImageError) throw e;
    if (isCancel(e, signal)) throw cancelled();
    throw new OsImageError(
      'download-failed',
      `Reading the release index ${url} failed: ${networkReason(e)}`,
      { url },
    );
  }
  return Buffer.concat(chunks).toString('utf8');
}

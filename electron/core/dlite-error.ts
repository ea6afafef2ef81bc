import type { ErrorCode, ErrorDetails, ErrorDto, Result } from '../shared/errors.js';

/**
 * The one error type of core: a code from the closed {@link ErrorCode} union, one actionable line,
 * and structured {@link ErrorDetails}. It becomes an {@link ErrorDto} with {@link toDto} and nothing
 * is guessed from other properties. Subclasses only add constructors that fill `details`.
 */
export class DliteError extends Error {
  override name = 'DliteError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  /** The serializable form, with only the details that are set. */
  toDto(): ErrorDto {
    const details = Object.fromEntries(
      Object.entries(this.details).filter(([, v]) => v !== undefined),
    ) as ErrorDetails;
    return Object.keys(details).length === 0
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details };
  }
}

/** Thrown inside an operation that a stop (or the caller) cancelled. */
export class CancelledError extends DliteError {
  override name = 'CancelledError';
  constructor(message = 'The start was cancelled by a stop') {
    super('cancelled', message);
  }
}

/**
 * Any thrown value as a {@link DliteError}. A DliteError is kept, except that an unclassified one
 * (`internal`) takes `fallback`, the code of the operation that failed; an `AbortError` is
 * `cancelled`; a Node system error keeps its errno (ENOSPC → `disk-full`); anything else is
 * `fallback` with its message.
 */
export function toDliteError(e: unknown, fallback: ErrorCode = 'internal'): DliteError {
  if (e instanceof DliteError) {
    return e.code === 'internal' && fallback !== 'internal'
      ? new DliteError(fallback, e.message, e.details, { cause: e })
      : e;
  }
  const like = (typeof e === 'object' && e !== null ? e : {}) as {
    message?: unknown;
    name?: unknown;
    code?: unknown;
  };
  const message = typeof like.message === 'string' ? like.message : String(e);
  if (like.name === 'AbortError') return new DliteError('cancelled', message, {}, { cause: e });
  if (typeof like.code === 'string' && /^E[A-Z]+$/.test(like.code)) {
    const code: ErrorCode = like.code === 'ENOSPC' ? 'disk-full' : fallback;
    return new DliteError(code, message, { errno: like.code }, { cause: e });
  }
  return new DliteError(fallback, message, {}, { cause: e });
}

/** A failed {@link Result} for a thrown value (see {@link toDliteError}). */
export function errorResult<T = never>(e: unknown, fallback: ErrorCode = 'internal'): Result<T> {
  return { ok: false, error: toDliteError(e, fallback).toDto() };
}

/** Runs `fn` and turns a throw into a failed {@link Result}; handlers that MUST NOT reject use it. */
export async function attempt<T>(fn: () => Promise<T>, fallback: ErrorCode = 'internal'): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    return errorResult(e, fallback);
  }
}

/**
 * Errors that cross a process boundary (Electron IPC, the control socket).
 * Electron drops custom error properties across IPC, so every call answers a
 * `Result<T>` carrying a plain, serializable {@link ErrorDto} instead of throwing.
 */

/** The closed set of error codes. The UI maps each to a title and actions. */
export const ERROR_CODES = [
  'invalid-argument',
  'invalid-settings',
  'config-unreadable',
  'not-installed',
  'os-image-missing',
  'image-digest-mismatch',
  'download-failed',
  'disk-full',
  'release-index-invalid',
  'os-version-not-found',
  'os-incompatible',
  'driver-unavailable',
  'driver-failed',
  'vm-not-running',
  'vm-busy',
  'vm-crashed',
  'disk-locked',
  'disk-shrink-refused',
  'ssh-failed',
  'docker-unreachable',
  'privilege-denied',
  'daemon-unreachable',
  'daemon-already-running',
  'cancelled',
  'timeout',
  'not-supported',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** A serializable error: what went wrong, in one actionable line, plus machine-readable details. */
export interface ErrorDto {
  readonly code: ErrorCode;
  /** One line a user can act on. */
  readonly message: string;
  /** Optional structured context (field name, step, console tail...). MUST be JSON-serializable. */
  readonly details?: Record<string, unknown>;
}

export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorDto };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function err<T = never>(
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown>,
): Result<T> {
  return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** True when `value` has the shape of an {@link ErrorDto} (used when decoding untrusted JSON). */
export function isErrorDto(value: unknown): value is ErrorDto {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return isErrorCode(v['code']) && typeof v['message'] === 'string';
}

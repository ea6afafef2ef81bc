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
  'path-too-long',
  'cancelled',
  'timeout',
  'not-supported',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * One invalid field: `message` starts with the field name and states what is allowed. `index`
 * names the offending item of a list field (0-based), so a list editor can mark that row.
 */
export interface FieldError {
  readonly field: string;
  readonly message: string;
  readonly index?: number;
}

/**
 * Machine-readable context of an error. Every member is optional and JSON-serializable, so it
 * survives IPC and the control socket unchanged: the UI shows `errors[i].message` next to the
 * field `errors[i].field`, and `movedTo` as the place a user's file now lives.
 */
export interface ErrorDetails {
  /** The settings key or option at fault (the first of `errors` when there are several). */
  readonly field?: string;
  /** Every field error, in file order. */
  readonly errors?: readonly FieldError[];
  /** The file concerned. */
  readonly file?: string;
  /** Where an unusable file was moved; absent when it was left in place. */
  readonly movedTo?: string;
  /** The start/stop step that failed, e.g. `wait-docker`. */
  readonly step?: string;
  /** The external command that failed, shell-quoted for display. */
  readonly lastCommand?: string;
  /** The last lines of that command's stderr. */
  readonly stderrTail?: readonly string[];
  /** The tail of the guest's serial console. */
  readonly lastConsoleLines?: readonly string[];
  /** A unix socket concerned (control socket, docker.sock). */
  readonly socketPath?: string;
  /** The errno code of a failed system call, e.g. `ENOSPC`. */
  readonly errno?: string;
  /** The HTTP status of an answer from the Docker engine. */
  readonly status?: number;
  /** The process holding a lock or a home. */
  readonly pid?: number;
  /** A URL that was fetched (release index, OS image file). */
  readonly url?: string;
  /** What was expected and what was found (digests, sizes, versions). */
  readonly expected?: string | number;
  readonly actual?: string | number;
  /** Bytes needed and bytes free, when a disk is too full. */
  readonly needed?: number;
  readonly free?: number;
  /** The menu-bar app's link to the daemon while no daemon answers: still connecting, or failed. */
  readonly service?: 'connecting' | 'failed' | 'ready';
  /** The terminal app that could not be opened. */
  readonly terminal?: string;
}

/** A serializable error: what went wrong, in one actionable line, plus structured details. */
export interface ErrorDto {
  readonly code: ErrorCode;
  /** One line a user can act on. */
  readonly message: string;
  readonly details?: ErrorDetails;
}

export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorDto };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function err<T = never>(code: ErrorCode, message: string, details?: ErrorDetails): Result<T> {
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

import type { ErrorCode, ErrorDto } from '../../shared/errors.js';
import { isErrorCode } from '../../shared/errors.js';

/** A failure of one named start/stop step. */
export class StepError extends Error {
  constructor(
    readonly step: string,
    readonly code: ErrorCode,
    message: string,
    readonly lastCommand?: string,
  ) {
    super(message);
    this.name = 'StepError';
  }
}

/** Thrown inside a start when `stop` cancelled it. */
export class CancelledError extends Error {
  constructor() {
    super('The start was cancelled by a stop');
    this.name = 'CancelledError';
  }
}

interface ErrorLike {
  readonly message?: unknown;
  readonly code?: unknown;
  readonly command?: unknown;
  readonly field?: unknown;
  readonly name?: unknown;
}

/** Wraps any thrown value as a {@link StepError} of `step`, keeping its code and command when it has them. */
export function toStepError(step: string, e: unknown, fallback: ErrorCode = 'internal'): StepError {
  if (e instanceof StepError) return e;
  if (e instanceof CancelledError) return new StepError(step, 'cancelled', e.message);
  const like = (typeof e === 'object' && e !== null ? e : {}) as ErrorLike;
  const message = typeof like.message === 'string' ? like.message : String(e);
  const code = isErrorCode(like.code) ? like.code : like.name === 'AbortError' ? 'cancelled' : fallback;
  const command = typeof like.command === 'string' ? like.command : undefined;
  return new StepError(step, code, message, command);
}

/** The serializable error for an API Result. */
export function toErrorDto(e: StepError, details: Record<string, unknown> = {}): ErrorDto {
  return {
    code: e.code,
    message: `${e.step}: ${e.message}`,
    details: {
      step: e.step,
      ...(e.lastCommand !== undefined ? { lastCommand: e.lastCommand } : {}),
      ...details,
    },
  };
}

/** Throws {@link CancelledError} once `signal` aborted. */
export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError();
}

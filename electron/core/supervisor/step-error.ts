import type { ErrorCode, ErrorDetails, ErrorDto } from '../../shared/errors.js';
import { CancelledError, DliteError, toDliteError } from '../dlite-error.js';

export { CancelledError } from '../dlite-error.js';

/** A failure of one named start/stop step; its DTO message starts with the step. */
export class StepError extends DliteError {
  override name = 'StepError';
  constructor(
    readonly step: string,
    code: ErrorCode,
    message: string,
    details: ErrorDetails = {},
  ) {
    super(code, message, { ...details, step });
  }

  get lastCommand(): string | undefined {
    return this.details.lastCommand;
  }

  /** This error with more details (e.g. the console tail). */
  with(details: ErrorDetails): StepError {
    return new StepError(this.step, this.code, this.message, { ...this.details, ...details });
  }

  override toDto(): ErrorDto {
    const dto = super.toDto();
    return { ...dto, message: `${this.step}: ${this.message}` };
  }
}

/** Any thrown value as a {@link StepError} of `step` (see `toDliteError` for the code). */
export function toStepError(step: string, e: unknown, fallback: ErrorCode = 'internal'): StepError {
  if (e instanceof StepError) return e;
  if (e instanceof CancelledError) return new StepError(step, 'cancelled', e.message);
  const de = toDliteError(e, fallback);
  return new StepError(step, de.code, de.message, de.details);
}

/** Throws {@link CancelledError} once `signal` aborted. */
export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError();
}

import { DliteError } from '../dlite-error.js';
import { lastLines } from '../fs/tail.js';

/** Codes an SSH step can fail with. */
export type SshErrorCode = 'ssh-failed' | 'timeout' | 'cancelled';

/** A failure talking to the guest over SSH. `message` is one actionable line. */
export class SshError extends DliteError {
  override name = 'SshError';
  constructor(code: SshErrorCode, message: string, command?: string, stderr?: string) {
    super(code, message, {
      ...(command === undefined ? {} : { lastCommand: command }),
      ...(stderr === undefined ? {} : { stderrTail: lastLines(stderr, 10) }),
    });
  }

  /** The command line that failed, for FailureDetails.lastCommand. */
  get command(): string | undefined {
    return this.details.lastCommand;
  }
}

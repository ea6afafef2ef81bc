/** Codes an SSH step can fail with; each maps onto an ErrorDto code. */
export type SshErrorCode = 'ssh-failed' | 'timeout' | 'cancelled';

/** A failure talking to the guest over SSH. `message` is one actionable line. */
export class SshError extends Error {
  constructor(
    readonly code: SshErrorCode,
    message: string,
    /** The command line that failed, for FailureDetails.lastCommand. */
    readonly command?: string,
    /** Last lines of ssh's stderr. */
    readonly stderrTail?: string,
  ) {
    super(message);
    this.name = 'SshError';
  }
}

/** The last `maxLines` non-empty lines of `text`, joined by newlines. */
export function tail(text: string, maxLines = 10): string {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .slice(-maxLines)
    .join('\n');
}

const SAFE = /^[\w@%+=:,./-]+$/;

/**
 * Quotes one word for a POSIX shell: bare when safe, else in single quotes (`'` as `'\''`); the
 * empty word is `''`. The one quoting rule for command lines Dlite prints, hands to ssh or a
 * terminal, and writes back as a setting (`splitShellWords` reads it back unchanged).
 */
export function quoteArg(arg: string): string {
  if (SAFE.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The printable, shell-quoted form of a command line (for logs and error messages only; never executed). */
export function formatCommand(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map(quoteArg).join(' ');
}

/** A bounded buffer of the last lines written to it (a stderr ring). Partial lines are held until complete. */
export class LineRing {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly max: number) {}

  /** Appends a chunk of output; complete lines enter the ring, dropping the oldest beyond `max`. */
  push(chunk: string | Buffer): void {
    const text = this.partial + chunk.toString();
    const parts = text.split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      if (line.trim() === '') continue;
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }

  /** The kept lines, oldest first, including a trailing partial line. */
  snapshot(): string[] {
    const all = this.partial.trim() === '' ? [...this.lines] : [...this.lines, this.partial];
    return all.slice(-this.max);
  }
}

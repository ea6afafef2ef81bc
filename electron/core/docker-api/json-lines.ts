/**
 * Splits a stream of newline-delimited JSON (Docker's `/events`) into values. Chunks may cut a
 * line anywhere, including inside a multi-byte character when fed Buffers.
 */
export class JsonLinesParser {
  private buffer = '';
  /** Lines that were not valid JSON and were skipped. */
  malformed = 0;
  private readonly decoder = new TextDecoder();

  /** Feeds one chunk; returns the complete values it finished. Blank and malformed lines are skipped. */
  push(chunk: string | Uint8Array): unknown[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const values: unknown[] = [];
    let newline = this.buffer.indexOf('\n');
    while (newline !== -1) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      this.parseInto(line, values);
      newline = this.buffer.indexOf('\n');
    }
    return values;
  }

  /** Returns the final value when the stream ended without a trailing newline. */
  end(): unknown[] {
    const rest = (this.buffer + this.decoder.decode()).trim();
    this.buffer = '';
    const values: unknown[] = [];
    this.parseInto(rest, values);
    return values;
  }

  private parseInto(line: string, values: unknown[]): void {
    if (line === '') return;
    try {
      values.push(JSON.parse(line) as unknown);
    } catch {
      this.malformed += 1;
    }
  }
}

/**
 * A block of lines Dlite owns inside a system file (`/etc/hosts`, `/etc/exports`), fenced by a begin
 * and an end marker line (Rancher Desktop's `manageLinesInFile`, Vagrant's `VAGRANT-BEGIN`). The
 * functions here are pure text edits: they never change a byte outside the block, keep the file's
 * line ending (LF or CRLF), are idempotent, and removing the block gives back the bytes the file had
 * before it was added, including a missing final newline.
 */

export interface BlockMarkers {
  /** The whole begin line, e.g. `# BEGIN dlite <uuid>`. */
  readonly begin: string;
  /** The whole end line, e.g. `# END dlite <uuid>`. */
  readonly end: string;
}

/** A file whose block cannot be edited safely (a begin marker without its end). */
export class ManagedBlockError extends Error {
  override readonly name = 'ManagedBlockError';
  constructor(
    message: string,
    /** 1-based line of the problem. */
    readonly line: number,
  ) {
    super(message);
  }
}

interface Line {
  /** Text without its line ending. */
  readonly text: string;
  /** `\n`, `\r\n` or '' (the last line of a file without a final newline). */
  readonly eol: string;
  readonly start: number;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const endOfText = nl < 0 ? text.length : nl;
    const cr = endOfText > start && text[endOfText - 1] === '\r' && nl >= 0;
    const body = text.slice(start, cr ? endOfText - 1 : endOfText);
    lines.push({ text: body, eol: nl < 0 ? '' : cr ? '\r\n' : '\n', start });
    start = nl < 0 ? text.length : nl + 1;
  }
  return lines;
}

/** The file's line ending: CRLF when its first line ending is one, else LF. */
export function lineEnding(text: string): '\n' | '\r\n' {
  const nl = text.indexOf('\n');
  return nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
}

interface Found {
  /** Index of the begin line and of the end line. */
  readonly first: number;
  readonly last: number;
}

/** Every complete block, in order; throws ManagedBlockError for a begin without an end. */
function findBlocks(lines: readonly Line[], m: BlockMarkers): Found[] {
  const found: Found[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.text.trim() !== m.begin) continue;
    let j = i + 1;
    while (j < lines.length && lines[j]!.text.trim() !== m.end) j++;
    if (j >= lines.length) {
      throw new ManagedBlockError(`"${m.begin}" on line ${i + 1} has no "${m.end}" after it`, i + 1);
    }
    found.push({ first: i, last: j });
    i = j;
  }
  return found;
}

function checkContent(m: BlockMarkers, content: readonly string[]): void {
  for (const l of [m.begin, m.end, ...content]) {
    if (/[\r\n]/.test(l)) throw new Error(`a managed line must be one line: ${JSON.stringify(l)}`);
  }
  if (content.some((l) => l.trim() === m.begin || l.trim() === m.end)) {
    throw new Error('a managed line must not be a marker');
  }
}

/** The lines of the block in `text`, without the markers; null when there is none. */
export function readManagedBlock(text: string, m: BlockMarkers): string[] | null {
  const lines = splitLines(text);
  const [b] = findBlocks(lines, m);
  return b ? lines.slice(b.first + 1, b.last).map((l) => l.text) : null;
}

/**
 * `text` with the block holding exactly `content` (replacing every block with these markers; the
 * first one keeps its place, otherwise it is appended). Pure and idempotent.
 */
export function applyManagedBlock(text: string, m: BlockMarkers, content: readonly string[]): string {
  checkContent(m, content);
  const eol = lineEnding(text);
  const lines = splitLines(text);
  const blocks = findBlocks(lines, m);
  const body = [m.begin, ...content, m.end];
  if (blocks.length === 0) {
    if (text === '') return body.join(eol) + eol;
    if (text.endsWith('\n')) return text + body.join(eol) + eol;
    return text + eol + body.join(eol);
  }
  const first = blocks[0]!;
  // Later duplicates go; the first block keeps its place and its end line keeps its line ending.
  const rest = removeBlocks(text, lines, blocks.slice(1));
  const restLines = splitLines(rest);
  const next = restLines[first.last + 1];
  const before = rest.slice(0, restLines[first.first]!.start);
  const after = next ? rest.slice(next.start) : '';
  return before + body.join(eol) + restLines[first.last]!.eol + after;
}

function removeBlocks(text: string, lines: readonly Line[], blocks: readonly Found[]): string {
  let out = text;
  for (const b of [...blocks].reverse()) {
    const start = lines[b.first]!.start;
    const next = lines[b.last + 1];
    const endLine = lines[b.last]!;
    if (!next && endLine.eol === '' && b.first > 0) {
      // The file had no final newline before the block was appended: drop the one added for it.
      const prev = lines[b.first - 1]!;
      out = out.slice(0, start - prev.eol.length);
    } else {
      out = out.slice(0, start) + (next ? out.slice(next.start) : '');
    }
  }
  return out;
}

/** `text` without any block with these markers; unchanged when there is none. Pure and idempotent. */
export function removeManagedBlock(text: string, m: BlockMarkers): string {
  const lines = splitLines(text);
  const blocks = findBlocks(lines, m);
  return blocks.length === 0 ? text : removeBlocks(text, lines, blocks);
}

/** 1-based line numbers and texts of the lines outside every block with these markers. */
export function linesOutside(text: string, m: BlockMarkers): { line: number; text: string }[] {
  const lines = splitLines(text);
  const blocks = findBlocks(lines, m);
  return lines
    .map((l, i) => ({ line: i + 1, text: l.text }))
    .filter((_, i) => !blocks.some((b) => i >= b.first && i <= b.last));
}

/** Where a JSON text first goes wrong: 0-based offset, 1-based line and column. */
export interface JsonErrorPosition {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

class Stop extends Error {
  constructor(readonly offset: number) {
    super(`JSON syntax error at offset ${offset}`);
  }
}

/**
 * Finds the offset of the first syntax error in `text` (RFC 8259), or null when it is valid.
 * `JSON.parse` in Node 20 omits the position for many errors ("Unexpected token '}', … is not
 * valid JSON"), so the config loader uses this to point the user at a line and column.
 */
export function findJsonError(text: string): JsonErrorPosition | null {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i += 1;
  };
  const expect = (literal: string): void => {
    for (const ch of literal) {
      if (text[i] !== ch) throw new Stop(i);
      i += 1;
    }
  };
  const string = (): void => {
    expect('"');
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') throw new Stop(i);
      i += 1;
      if (c === '"') return;
      if (c === '\\') {
        const e = text[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) throw new Stop(i);
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 1;
        } else {
          throw new Stop(i);
        }
      }
    }
  };
  const number = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (m === null) throw new Stop(i);
    i += m[0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i += 1;
      ws();
      if (text[i] === '}') {
        i += 1;
        return;
      }
      for (;;) {
        ws();
        string();
        ws();
        expect(':');
        value();
        ws();
        if (text[i] === '}') {
          i += 1;
          return;
        }
        expect(',');
      }
    } else if (c === '[') {
      i += 1;
      ws();
      if (text[i] === ']') {
        i += 1;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ']') {
          i += 1;
          return;
        }
        expect(',');
      }
    } else if (c === '"') {
      string();
    } else if (c === 't') {
      expect('true');
    } else if (c === 'f') {
      expect('false');
    } else if (c === 'n') {
      expect('null');
    } else {
      number();
    }
  };
  try {
    value();
    ws();
    if (i < text.length) throw new Stop(i);
    return null;
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    const before = text.slice(0, e.offset).split('\n');
    return { offset: e.offset, line: before.length, column: before[before.length - 1]!.length + 1 };
  }
}

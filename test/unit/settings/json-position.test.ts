import { describe, expect, it } from 'vitest';

import { findJsonError } from '../../../electron/core/settings/json-position.js';
import { splitShellWords } from '../../../electron/core/settings/shell-words.js';

describe('findJsonError', () => {
  it.each([
    ['{"a": 1, "b": [true, null, "x\\u00e9"], "c": -1.5e3}', null],
    ['  []  ', null],
    ['{"a": }', { offset: 6, line: 1, column: 7 }],
    ['{\n  "a": 1,\n}', { offset: 12, line: 3, column: 1 }],
    ['{"a": 01}', { offset: 7, line: 1, column: 8 }],
    ['{"a": "tab\there"}', { offset: 10, line: 1, column: 11 }],
    ['', { offset: 0, line: 1, column: 1 }],
    ['{} x', { offset: 3, line: 1, column: 4 }],
  ])('%j → %j', (text, expected) => {
    expect(findJsonError(text)).toEqual(expected);
    if (expected === null) expect(() => JSON.parse(text) as unknown).not.toThrow();
    else expect(() => JSON.parse(text) as unknown).toThrow();
  });
});

describe('splitShellWords', () => {
  it.each([
    ['a  b\tc', ['a', 'b', 'c']],
    [`'a b'"c d"e\\ f`, ['a bc de f']],
    [`"say \\"hi\\" \\$x"`, ['say "hi" $x']],
    [`''`, ['']],
    ['', []],
  ])('%j → %j', (text, words) => {
    expect(splitShellWords(text)).toEqual(words);
  });

  it.each([["'open"], ['"open'], ['end\\']])('refuses %j', (text) => {
    expect(() => splitShellWords(text)).toThrow();
  });
});

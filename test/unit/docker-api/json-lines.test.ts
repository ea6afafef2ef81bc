import { describe, expect, it } from 'vitest';

import { JsonLinesParser } from '../../../electron/core/docker-api/json-lines.js';

describe('JsonLinesParser', () => {
  it('yields each complete line, whatever the chunking', () => {
    const text = '{"Type":"container","Action":"start"}\n{"Type":"network","Action":"connect"}\n';
    for (let cut = 1; cut < text.length; cut++) {
      const p = new JsonLinesParser();
      const values = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut)), ...p.end()];
      expect(values).toEqual([
        { Type: 'container', Action: 'start' },
        { Type: 'network', Action: 'connect' },
      ]);
    }
  });

  it('holds a partial line until its newline arrives', () => {
    const p = new JsonLinesParser();
    expect(p.push('{"a":')).toEqual([]);
    expect(p.push('1}')).toEqual([]);
    expect(p.push('\n')).toEqual([{ a: 1 }]);
  });

  it('decodes a multi-byte character split across Buffer chunks', () => {
    const bytes = Buffer.from('{"name":"café"}\n');
    const p = new JsonLinesParser();
    const at = bytes.indexOf(0xc3) + 1;
    expect([...p.push(bytes.subarray(0, at)), ...p.push(bytes.subarray(at))]).toEqual([{ name: 'café' }]);
  });

  it('skips blank and malformed lines and counts the malformed', () => {
    const p = new JsonLinesParser();
    expect(p.push('\n\r\n{"ok":1}\nnot json\n{"ok":2}\n')).toEqual([{ ok: 1 }, { ok: 2 }]);
    expect(p.malformed).toBe(1);
  });

  it('returns a last line without a trailing newline at the end', () => {
    const p = new JsonLinesParser();
    expect(p.push('{"a":1}\n{"b":2}')).toEqual([{ a: 1 }]);
    expect(p.end()).toEqual([{ b: 2 }]);
  });
});

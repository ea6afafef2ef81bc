import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  exportConflicts,
  exportedPaths,
  exportsBlockLines,
} from '../../../electron/core/integration/exports.js';
import { dliteMarkers, hostsBlockLines, hostsConflicts } from '../../../electron/core/integration/hosts.js';
import {
  ManagedBlockError,
  applyManagedBlock,
  readManagedBlock,
  removeManagedBlock,
} from '../../../electron/core/integration/managed-block.js';

const UUID = '5f0c3a9e-6a51-4b8e-9d2c-2b7d3e1f4a60';
const OTHER = '11111111-2222-4333-8444-555555555555';
const m = dliteMarkers(UUID);
const fixture = (name: string) =>
  readFileSync(path.resolve(import.meta.dirname, '../../fixtures/system-files', name), 'utf8');
const line = hostsBlockLines('local.docker', '192.168.64.3');

/** The lines a text has outside our block, with their endings: what must never change. */
function outside(text: string): string[] {
  const parts = text.split(/(?<=\n)/);
  const begin = parts.findIndex((p) => p.trim() === m.begin);
  if (begin < 0) return parts;
  const end = parts.findIndex((p, i) => i > begin && p.trim() === m.end);
  return [...parts.slice(0, begin), ...parts.slice(end + 1)];
}

describe('applyManagedBlock / removeManagedBlock on fixture files', () => {
  it.each([
    'empty',
    'hosts-macos',
    'hosts-crlf',
    'hosts-no-final-newline',
    'hosts-foreign-block',
    'exports-vagrant',
  ])('%s: adds one block, is idempotent, and removal restores the original bytes', (name) => {
    const original = fixture(name);
    const added = applyManagedBlock(original, m, line);
    expect(added.startsWith(original.endsWith('\n') || original === '' ? original : `${original}`)).toBe(
      true,
    );
    expect(readManagedBlock(added, m)).toEqual(line);
    expect(applyManagedBlock(added, m, line)).toBe(added);
    expect(removeManagedBlock(added, m)).toBe(original);
    expect(removeManagedBlock(original, m)).toBe(original);
    expect(added.split(m.begin)).toHaveLength(2);
  });

  it('keeps CRLF line endings for the lines it writes', () => {
    const added = applyManagedBlock(fixture('hosts-crlf'), m, line);
    expect(added).toBe(
      `127.0.0.1 localhost\r\n::1 localhost\r\n${m.begin}\r\n192.168.64.3 local.docker\r\n${m.end}\r\n`,
    );
  });

  it('keeps a missing final newline missing', () => {
    const added = applyManagedBlock(fixture('hosts-no-final-newline'), m, line);
    expect(added).toBe(
      `127.0.0.1 localhost\n10.0.0.5 build.internal\n${m.begin}\n192.168.64.3 local.docker\n${m.end}`,
    );
  });

  it('replaces a hand-edited block in place and leaves the lines around it alone', () => {
    const original = fixture('hosts-with-block');
    const updated = applyManagedBlock(original, m, hostsBlockLines('local.docker', '192.168.64.7'));
    expect(updated).toBe(
      `127.0.0.1 localhost\n${m.begin}\n192.168.64.7 local.docker\n${m.end}\n10.0.0.5 build.internal\n`,
    );
    expect(outside(updated)).toEqual(outside(original));
    expect(removeManagedBlock(updated, m)).toBe('127.0.0.1 localhost\n10.0.0.5 build.internal\n');
  });

  it("never touches another VM's block or another tool's lines", () => {
    const original = fixture('hosts-foreign-block');
    const added = applyManagedBlock(original, m, line);
    expect(added.startsWith(original)).toBe(true);
    expect(readManagedBlock(added, dliteMarkers(OTHER))).toEqual(['192.168.64.9 local.docker']);
  });

  it('merges duplicate blocks into the first one', () => {
    const twice = `a\n${m.begin}\nold\n${m.end}\nb\n${m.begin}\nolder\n${m.end}\nc\n`;
    expect(applyManagedBlock(twice, m, line)).toBe(`a\n${m.begin}\n${line[0]}\n${m.end}\nb\nc\n`);
    expect(removeManagedBlock(twice, m)).toBe('a\nb\nc\n');
  });

  it('refuses a begin marker without its end, naming the line', () => {
    const e = (() => {
      try {
        applyManagedBlock(fixture('hosts-broken-block'), m, line);
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(ManagedBlockError);
    expect((e as ManagedBlockError).line).toBe(2);
    expect((e as Error).message).toBe(`"${m.begin}" on line 2 has no "${m.end}" after it`);
    expect(() => removeManagedBlock(fixture('hosts-broken-block'), m)).toThrow(ManagedBlockError);
  });

  it('refuses content that would break the block', () => {
    expect(() => applyManagedBlock('', m, ['a\nb'])).toThrow(/one line/);
    expect(() => applyManagedBlock('', m, [m.end])).toThrow(/marker/);
  });
});

describe('hosts lines', () => {
  it('validates what goes into the line', () => {
    expect(line).toEqual(['192.168.64.3 local.docker']);
    expect(hostsBlockLines('LOCAL.Docker', '127.0.0.1')).toEqual(['127.0.0.1 local.docker']);
    expect(() => hostsBlockLines('local.docker\n1.2.3.4 evil', '127.0.0.1')).toThrow(/host name/);
    expect(() => hostsBlockLines('local.docker', '::1')).toThrow(/IPv4/);
    expect(() => dliteMarkers('../etc')).toThrow(/uuid/);
  });

  it('names other lines that also map the host name (never edits them)', () => {
    const text = applyManagedBlock(fixture('hosts-foreign-block'), m, line);
    expect(hostsConflicts(text, UUID, 'local.docker')).toEqual([
      { line: 3, text: '192.168.64.9 local.docker' },
      { line: 5, text: '192.168.64.2 local.docker # added by dlite' },
    ]);
    expect(hostsConflicts(fixture('hosts-macos'), UUID, 'local.docker')).toEqual([]);
  });
});

describe('exports lines', () => {
  const subnet = { network: '192.168.64.0', mask: '255.255.255.0' };

  it('exports the share to the vmnet subnet, mapped to the user', () => {
    expect(exportsBlockLines('/Users', subnet, { uid: 501, gid: 20 })).toEqual([
      '"/Users" -alldirs -mapall=501:20 -network 192.168.64.0 -mask 255.255.255.0',
    ]);
    expect(exportsBlockLines('/Users/Jane Doe/My Code', subnet, { uid: 501, gid: 20 })[0]).toMatch(
      /^"\/Users\/Jane Doe\/My Code" /,
    );
    for (const bad of ['relative', '/a/../b', '/a"b', '/a\nb']) {
      expect(() => exportsBlockLines(bad, subnet, { uid: 501, gid: 20 })).toThrow(/exportable/);
    }
    expect(() => exportsBlockLines('/Users', subnet, { uid: 0, gid: 0 })).toThrow(/-mapall/);
    expect(() =>
      exportsBlockLines('/Users', { network: '192.168.64.0', mask: '255.0.255.0' }, { uid: 1, gid: 1 }),
    ).toThrow(/network/);
  });

  it('reads the paths of an export line', () => {
    expect(exportedPaths('"/Users/a b" /opt -ro 10.0.0.2')).toEqual(['/Users/a b', '/opt']);
    expect(exportedPaths('/Users/ -alldirs')).toEqual(['/Users']);
    expect(exportedPaths('-network 10.0.0.0')).toEqual([]);
  });

  it("names the other tools' lines that conflict with the share (ancestor, equal or below)", () => {
    expect(exportConflicts(fixture('exports-conflict'), UUID, '/Users')).toEqual([
      { line: 2, text: '/Users 192.168.99.100 -alldirs -mapall=501:20' },
    ]);
    expect(exportConflicts(fixture('exports-vagrant'), UUID, '/Users')).toEqual([
      { line: 2, text: '"/Users/erik/work/project" 192.168.64.101 -alldirs -mapall=501:20' },
    ]);
    expect(exportConflicts(fixture('exports-vagrant'), UUID, '/Users/me')).toEqual([]);
    expect(exportConflicts(fixture('exports-conflict'), UUID, '/opt/shared/x')).toEqual([
      { line: 4, text: '/opt/shared    -network 10.0.0.0 -mask 255.0.0.0' },
    ]);
    const ours = applyManagedBlock('', m, exportsBlockLines('/Users', subnet, { uid: 501, gid: 20 }));
    expect(exportConflicts(ours, UUID, '/Users')).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';

import { mirrors } from '../../renderer/src/lib/mirrors.js';
import {
  draftOf,
  fieldError,
  itemErrors,
  listLabels,
  numberFromText,
  patchOf,
  problemsOf,
} from '../../renderer/src/lib/settings-form.js';
import { SETTINGS } from './fixtures.js';

describe('mirror list operations', () => {
  const list = ['https://a', 'https://b', 'https://c'];
  it.each([
    [
      'add (trimmed)',
      mirrors.add(list, '  https://d '),
      ['https://a', 'https://b', 'https://c', 'https://d'],
    ],
    ['edit', mirrors.edit(list, 1, 'https://B'), ['https://a', 'https://B', 'https://c']],
    ['remove', mirrors.remove(list, 0), ['https://b', 'https://c']],
    ['move down', mirrors.move(list, 0, 1), ['https://b', 'https://a', 'https://c']],
    ['drag last to first', mirrors.move(list, 2, 0), ['https://c', 'https://a', 'https://b']],
    ['move out of range', mirrors.move(list, 2, 3), list],
  ])('%s', (_what, got, want) => {
    expect(got).toEqual(want);
  });
  it('never changes the list it is given', () => {
    mirrors.move(list, 0, 2);
    expect(list).toEqual(['https://a', 'https://b', 'https://c']);
  });
});

describe('settings form', () => {
  it('sends only what changed; numbers typed as text become numbers, other text goes as is', () => {
    const draft = { ...draftOf(SETTINGS), memory: '4', cpu_count: 'two', registry_mirrors: ['https://m'] };
    expect(patchOf(SETTINGS, draft)).toEqual({
      memory: 4,
      cpu_count: 'two',
      registry_mirrors: ['https://m'],
    });
    expect(patchOf(SETTINGS, draftOf(SETTINGS))).toEqual({});
    expect(numberFromText(' 12 ')).toBe(12);
    expect(numberFromText('')).toBe('');
  });

  it('puts the core’s messages next to their field or list item, without the field prefix', () => {
    const errors = [
      { field: 'memory', message: 'memory: must be an integer number of GiB between 1 and 15' },
      {
        field: 'registry_mirrors',
        index: 1,
        message: 'registry_mirrors: "ftp://x" must be an http:// or https:// URL',
      },
      { field: 'registry_mirrors', index: 2, message: 'registry_mirrors: "https://a" is listed twice' },
    ];
    expect(fieldError(errors, 'memory')).toBe('Must be an integer number of GiB between 1 and 15');
    expect(fieldError(errors, 'registry_mirrors')).toBeNull();
    expect([...itemErrors(errors, 'registry_mirrors')]).toEqual([
      [1, '"ftp://x" must be an http:// or https:// URL'],
      [2, '"https://a" is listed twice'],
    ]);
  });

  it('reads field problems from a failed update, and names changes in words', () => {
    expect(
      problemsOf({
        code: 'invalid-settings',
        message: 'x',
        details: { errors: [{ field: 'cpu_count', message: 'cpu_count: too many' }] },
      }),
    ).toEqual([{ field: 'cpu_count', message: 'cpu_count: too many' }]);
    expect(
      problemsOf({ code: 'invalid-settings', message: 'share: gone', details: { field: 'share' } }),
    ).toEqual([{ field: 'share', message: 'share: gone' }]);
    expect(listLabels(['memory', 'cpu_count', 'disk_size'])).toBe('Memory, CPUs and Disk size');
  });
});

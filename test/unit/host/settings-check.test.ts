import { describe, expect, it } from 'vitest';

import { checkPatch } from '../../../electron/core/host/settings-check.js';
import { context, validSettings } from '../settings/fixtures.js';

const current = validSettings('/Users/me', { registry_mirrors: ['https://a.example'] });
const ctx = context({ pathExists: () => true });

describe('checkPatch', () => {
  it('names each bad mirror by its index, duplicates included', () => {
    const r = checkPatch(
      current,
      { registry_mirrors: ['https://a.example', 'ftp://b.example', 'https://a.example'] },
      ctx,
    );
    expect(r.errors).toEqual([
      {
        field: 'registry_mirrors',
        index: 1,
        message: 'registry_mirrors: "ftp://b.example" must be an http:// or https:// URL without credentials',
      },
      {
        field: 'registry_mirrors',
        index: 2,
        message: 'registry_mirrors: "https://a.example" is listed twice',
      },
    ]);
    expect(r.restartRequired).toEqual([]);
  });

  it('says which valid changes need a restart and which apply live, saving nothing', () => {
    const r = checkPatch(current, { memory: 3, registry_mirrors: ['https://b.example'] }, ctx);
    expect(r).toEqual({ errors: [], restartRequired: ['memory'], live: ['registry_mirrors'] });
    expect(current.memory).toBe(2);
  });

  it('reports out-of-range resources with the host limit', () => {
    const r = checkPatch(current, { cpu_count: 9 }, ctx);
    expect(r.errors[0]?.field).toBe('cpu_count');
    expect(r.errors[0]?.message).toMatch(/\(2 cores\); use 1 to 2$/);
  });
});

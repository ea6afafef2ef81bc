import { spawnSync } from 'node:child_process';

import { describe, expect, it } from 'vitest';

import { CLI } from './built-cli.js';

describe('dlite writing into a closed pipe', () => {
  it('ends quietly when the reader stops early (dlite --help | head -1)', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" --help | head -1`], {
      encoding: 'utf8',
    });
    expect(r.stdout).toBe('dlite — Docker in a tiny VM, one command away\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

describe('npm run verify:macos', () => {
  it('refuses clearly off a Mac, saying where the macOS parts are checked instead', () => {
    const r = spawnSync(
      process.execPath,
      [path.resolve(import.meta.dirname, '../../../build/verify-macos.mjs')],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(
      `verify:macos runs on a Mac only; this is ${process.platform}. Here the xhyve and vfkit drivers are checked against scripted fakes (npx vitest run test/unit/drivers), and QEMU runs for real (npm test).`,
    );
  });
});

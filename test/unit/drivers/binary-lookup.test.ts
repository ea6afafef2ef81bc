import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  appResourcesDir,
  binaryCandidates,
  findBinary,
} from '../../../electron/core/drivers/binary-lookup.js';

describe('hypervisor binary lookup: setting → app bundle → PATH → Homebrew', () => {
  let dir: string;
  const exe = async (p: string) => {
    await mkdir(path.dirname(p), { recursive: true });
    await writeFile(p, '#!/bin/sh\n');
    await chmod(p, 0o755);
    return p;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-lookup-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lists candidates in order, Homebrew last and without duplicates', () => {
    expect(
      binaryCandidates({
        name: 'vfkit',
        settingName: 'vfkit_binary',
        resourcesDir: '/Applications/Dlite.app/Contents/Resources',
        env: { PATH: '/usr/bin:relative:/opt/homebrew/bin' },
      }),
    ).toEqual([
      { path: '/Applications/Dlite.app/Contents/Resources/bin/vfkit', from: 'app bundle' },
      { path: '/usr/bin/vfkit', from: 'PATH' },
      { path: '/opt/homebrew/bin/vfkit', from: 'PATH' },
      { path: '/usr/local/bin/vfkit', from: 'Homebrew' },
    ]);
  });

  it('takes the first executable, the setting first', async () => {
    const bundle = path.join(dir, 'Dlite.app/Contents/Resources');
    const onPath = await exe(path.join(dir, 'path/xhyve'));
    const brew = await exe(path.join(dir, 'brew/xhyve'));
    const s = {
      name: 'xhyve',
      settingName: 'xhyve_binary',
      env: { PATH: path.dirname(onPath) },
      extraDirs: [path.dirname(brew)],
    };
    expect(await findBinary({ ...s, resourcesDir: bundle })).toEqual({ path: onPath, from: 'PATH' });
    await exe(path.join(bundle, 'bin/xhyve'));
    expect((await findBinary({ ...s, resourcesDir: bundle }))?.from).toBe('app bundle');
    expect(await findBinary({ ...s, env: {} })).toEqual({ path: brew, from: 'Homebrew' });
    expect(await findBinary({ ...s, setting: brew })).toEqual({ path: brew, from: 'setting' });
    expect(await findBinary({ ...s, env: {}, extraDirs: [] })).toBeNull();
  });

  it('a setting that is no executable is an error naming it', async () => {
    await expect(
      findBinary({ name: 'xhyve', settingName: 'xhyve_binary', setting: path.join(dir, 'nope'), env: {} }),
    ).rejects.toThrow(`xhyve_binary: ${path.join(dir, 'nope')} is not an executable file`);
  });

  it('finds the app bundle resources from a path inside it', () => {
    expect(appResourcesDir('/Applications/Dlite.app/Contents/Resources/app/dist/cli/dlite.js')).toBe(
      '/Applications/Dlite.app/Contents/Resources',
    );
    expect(appResourcesDir('/usr/lib/node_modules/dlite/dist/cli/dlite.js')).toBeNull();
    expect(appResourcesDir(undefined)).toBeNull();
  });
});

import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runCli } from '../../../electron/cli/run-cli.js';
import { macDriverChecks } from '../../../electron/core/drivers/mac-checks.js';
import { SettingsRepository, hostValidationContext } from '../../../electron/core/settings/repository.js';
import { resolvePaths } from '../../../electron/core/paths.js';

describe('dlite doctor with xhyve or vfkit chosen', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'dlite-doctor-mac-'));
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  it.each([
    ['xhyve', 'xhyve runs only on Intel Macs, not on this machine (linux): dlite config set hypervisor auto'],
    [
      'vfkit',
      'vfkit runs only on macOS 13 or later, not on this machine (linux): dlite config set hypervisor auto',
    ],
  ] as const)('on Linux, %s is refused in one line', async (hypervisor, line) => {
    const paths = resolvePaths({ DLITE_HOME: home });
    await new SettingsRepository(paths).init({ hypervisor }, await hostValidationContext(paths));
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['doctor'], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      isTty: false,
      errIsTty: false,
      env: { ...process.env, DLITE_HOME: home },
    });
    expect(code).toBe(1);
    expect(out.filter((l) => l.includes('hypervisor: '))).toEqual([`✗ hypervisor: ${line}`]);
    expect(out.join('\n')).not.toMatch(/qemu-system|accelerator/);
    expect(err).toEqual([]);
  });

  it('on a Mac: where the binary is, kern.hv_support, the macOS version', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-bin-'));
    try {
      await writeFile(path.join(dir, 'vfkit'), '#!/bin/sh\n');
      await chmod(path.join(dir, 'vfkit'), 0o755);
      const mac = { platform: 'darwin' as const, arch: 'arm64' };
      expect(
        await macDriverChecks(
          'vfkit',
          { xhyve_binary: '', vfkit_binary: '' },
          { host: mac, env: { PATH: dir }, osRelease: '24.1.0' },
        ),
      ).toEqual([
        { name: 'hypervisor', level: 'ok', detail: `vfkit at ${path.join(dir, 'vfkit')} (PATH)` },
        { name: 'macOS', level: 'ok', detail: 'Darwin 24.1.0 (macOS 13 or later)' },
      ]);
      const old = await macDriverChecks(
        'vfkit',
        { xhyve_binary: '', vfkit_binary: '/nope/vfkit' },
        { host: mac, env: {}, osRelease: '21.0.0' },
      );
      expect(old).toEqual([
        { name: 'hypervisor', level: 'fail', detail: 'vfkit_binary: /nope/vfkit is not an executable file' },
        { name: 'macOS', level: 'fail', detail: 'vfkit needs macOS 13 or later: use xhyve (Intel) or qemu' },
      ]);
      const intel = { platform: 'darwin' as const, arch: 'x64' };
      const xhyve = await macDriverChecks(
        'xhyve',
        { xhyve_binary: '', vfkit_binary: '' },
        {
          host: intel,
          env: { PATH: '/nonexistent' },
          hvSupport: () => Promise.resolve('0'),
        },
      );
      expect(xhyve.slice(0, 2)).toEqual([
        {
          name: 'hypervisor',
          level: 'fail',
          detail: 'xhyve not found (xhyve_binary, the app bundle, PATH, Homebrew): brew install xhyve',
        },
        {
          name: 'kern.hv_support',
          level: 'fail',
          detail: '0: this Mac has no Hypervisor.framework support (xhyve needs an Intel Mac with EPT)',
        },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

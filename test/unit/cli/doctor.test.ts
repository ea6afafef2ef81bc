import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runCli } from '../../../electron/cli/run-cli.js';

describe('dlite doctor (on this machine, for real)', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'dlite-doctor-'));
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('checks the hypervisor, accelerator, disk, image, docker tools and sockets, one line each, and fails without an image', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      out: (t: string) => out.push(t),
      err: (t: string) => err.push(t),
      isTty: false,
      errIsTty: false,
      env: { ...process.env, DLITE_HOME: home },
    };
    const code = await runCli(['doctor'], io);
    const text = out.join('\n');
    expect(code).toBe(1);
    expect(text).toMatch(/^✓ hypervisor: qemu: \/.*qemu-system-x86_64$/m);
    // Here /dev/kvm exists but the CPU has no vmx/svm, so QEMU must fall back to TCG (a warning).
    expect(text).toMatch(/^(! accelerator: tcg|✓ accelerator: kvm) \(/m);
    expect(text).toMatch(/^✗ OS image: No DhyveOS image for amd64 is installed/m);
    expect(text).toMatch(/^✓ disk space: [\d.]+ GiB free/m);
    expect(text).toMatch(/^✓ daemon: not running \(started on demand\); VM stopped$/m);
    // The docker CLI comes with this machine; .ci/run installs the buildx and compose plugins.
    expect(text).toMatch(/^✓ docker CLI: \d+\.\d+\.\d+/m);
    expect(text).toMatch(/^✓ docker buildx: \d+\.\d+\.\d+/m);
    expect(text).toMatch(/^✓ docker compose: 2\.\d+\.\d+/m);
    expect(err).toEqual([]);
  });
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

import { beforeAll } from 'vitest';

import { buildKernelCmdline } from '../../electron/core/boot/cmdline.js';
import { QemuDriver } from '../../electron/core/drivers/qemu/qemu-driver.js';
import { resolvePaths } from '../../electron/core/paths.js';
import { run } from '../../electron/core/process/run.js';
import { ensureDisk } from '../../electron/core/vm/disk.js';
import { driverConformance, type HarnessHome } from '../conformance/driver-suite.js';
import { guestImage } from './helpers/qemu.js';

/*
 * The driver conformance suite on the real guest under real QEMU (TCG): the same suite the xhyve
 * and vfkit drivers pass against their scripted fakes. The Docker port is the guest's own dlite-mux
 * in front of the real dockerd.
 */
const UUID = '7c3f2a1e-9b8d-4e6f-a5c4-3b2a1f0e9d8c';
let image: ReturnType<typeof guestImage>;

beforeAll(() => {
  image = guestImage();
});

driverConformance({
  name: 'qemu',
  home: async (): Promise<HarnessHome> => {
    const tmp = await mkdtemp('/tmp/dlqc-');
    const paths = resolvePaths({ DLITE_HOME: path.join(tmp, 'h') });
    await run('mkdir', ['-p', paths.sshDir, path.join(tmp, 'share')]);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dlite-test', '-f', paths.sshKey]);
    await ensureDisk(paths.disk, 2);
    const cfg = {
      uuid: UUID,
      hostname: 'local.docker',
      cpus: 2,
      memoryGiB: 1,
      diskGiB: 2,
      arch: 'amd64' as const,
      kernelPath: image.kernel,
      initrdPath: image.initrd,
      cmdline: buildKernelCmdline({
        console: 'ttyS0',
        hostname: 'local.docker',
        uuid: UUID,
        sshPublicKey: (await readFile(`${paths.sshKey}.pub`, 'utf8')).trim(),
        time: Math.floor(Date.now() / 1000),
        dockerTcp: false,
        share: { type: '9p', source: 'dlite-share', mountPoint: path.join(tmp, 'share') },
        dns: [],
      }),
      share: { hostPath: path.join(tmp, 'share'), tag: 'dlite-share' },
      dockerTcp: false,
      paths,
    };
    return {
      paths,
      cfg,
      driver: () => new QemuDriver(paths),
      cleanup: () => rm(tmp, { recursive: true, force: true }),
    };
  },
  crash: (pid) => {
    process.kill(pid, 'SIGKILL');
    return Promise.resolve();
  },
  timeouts: { boot: 180_000, stop: 60_000, test: 420_000 },
  // The guest's own agent serves the port; nothing to set up on this side.
  serveDockerPort: () => Promise.resolve(() => Promise.resolve()),
});

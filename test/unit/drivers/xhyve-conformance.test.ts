import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { DriverError } from '../../../electron/core/drivers/driver.js';
import { renderXhyveLauncher } from '../../../electron/core/drivers/xhyve/launcher.js';
import { XhyveDriver } from '../../../electron/core/drivers/xhyve/xhyve-driver.js';
import { driverConformance, type HarnessHome } from '../../conformance/driver-suite.js';
import { childrenOf, fakeBinary, fakeHome, type FakeHome } from '../../conformance/fake-home.js';

/*
 * The xhyve driver against a scripted xhyve (test/fakes/fake-xhyve.mjs, REFERENCE.md section 1),
 * run through the real root launcher script (rendered as the privileged helper installs it, with
 * xhyve's path pointing at the fake) without sudo: this machine has no Hypervisor.framework.
 */
let bin: string;
let launcher: string;

beforeAll(async () => {
  bin = await mkdtemp('/tmp/dlxb-');
  const xhyve = await fakeBinary(bin, 'xhyve', 'fake-xhyve.mjs');
  launcher = path.join(bin, 'io.dlite.xhyve-launch');
  await writeFile(launcher, renderXhyveLauncher(xhyve));
  await chmod(launcher, 0o755);
});
afterAll(() => rm(bin, { recursive: true, force: true }));

const started: XhyveDriver[] = [];

function driverFor(h: FakeHome, env: NodeJS.ProcessEnv = {}): XhyveDriver {
  return track(h, {
    leaseTimeoutMs: 10_000,
    env: { ...h.env, ...env },
  });
}

function track(h: FakeHome, over: Partial<ConstructorParameters<typeof XhyveDriver>[1]>): XhyveDriver {
  const d = new XhyveDriver(h.paths, {
    platform: 'darwin',
    hostArch: 'x64',
    launch: [launcher],
    leaseFile: h.leaseFile,
    leasePollMs: 100,
    sshPort: h.sshPort,
    uuid: h.cfg.uuid,
    ...over,
  });
  started.push(d);
  return d;
}

const xhyveHome = () =>
  fakeHome('dlx-', 'ttyS0', () => ({ type: 'nfs', source: '192.168.64.1:/Users', mountPoint: '/Users' }));

driverConformance({
  name: 'xhyve',
  home: async (): Promise<HarnessHome> => {
    const h = await xhyveHome();
    return { paths: h.paths, cfg: h.cfg, driver: () => driverFor(h), cleanup: () => h.cleanup() };
  },
  crash: async (pid) => {
    for (const child of await childrenOf(pid)) process.kill(child, 'SIGKILL');
  },
  timeouts: { boot: 15_000, stop: 10_000, test: 40_000 },
});

describe('xhyve specifics against the scripted xhyve', () => {
  const homes: FakeHome[] = [];
  const home = async () => {
    const h = await xhyveHome();
    homes.push(h);
    return h;
  };
  afterEach(async () => {
    for (const d of started.splice(0)) await d.stop({ timeoutMs: 1000 }).catch(() => undefined);
  });
  afterAll(async () => {
    for (const h of homes) await h.cleanup();
  });

  it('captures the console (com1 on stdout) in log/console.log and finds the IP by uuid or MAC', async () => {
    const h = await home();
    const d = driverFor(h);
    await d.start(h.cfg, new AbortController().signal);
    const endpoint = await d.sshEndpoint(10_000, AbortSignal.timeout(15_000));
    expect(endpoint).toEqual({ host: h.ip, port: h.sshPort });
    const leases = await readFile(h.leaseFile, 'utf8');
    expect(leases).toContain(`name=${h.cfg.uuid}`);
    expect(leases).toContain('ip_address=127.9.9.9');
    expect(await readFile(h.paths.consoleLog, 'utf8')).toContain('dlite: ssh ready');
    expect(await d.stop({ timeoutMs: 5000 })).toMatchObject({
      clean: true,
      code: 1,
      reason: 'the guest powered off',
    });
  });

  it("exit 1 at once with vmnet refused is a failure, with xhyve's stderr as the reason", async () => {
    const h = await home();
    const d = driverFor(h, { FAKE_VMNET: 'denied' });
    const vm = await d.start(h.cfg, new AbortController().signal);
    const exit = await vm.exited;
    expect(exit).toMatchObject({ code: 1, clean: false });
    expect(exit.reason).toBe(
      'xhyve failed: vmnet_interface_create: Could not create vmnet interface, permission denied or no entitlement?',
    );
    await expect(d.sshEndpoint(5000, AbortSignal.timeout(6000))).rejects.toThrow(/exited while waiting/);
  });

  it('a runtime error after boot is a failure, a requested poweroff is clean', async () => {
    const h = await home();
    const vm = await driverFor(h, { FAKE_CRASH_AFTER_MS: '900' }).start(h.cfg, new AbortController().signal);
    expect(await vm.exited).toMatchObject({ code: 1, clean: false, reason: 'xhyve failed: vm_run error 5' });
  });

  it('SIGTERM before the guest enabled ACPI kills xhyve: not a clean power-off', async () => {
    const h = await home();
    const d = driverFor(h, { FAKE_ACPI_DELAY_MS: '60000' });
    await d.start(h.cfg, new AbortController().signal);
    await d.sshEndpoint(10_000, AbortSignal.timeout(15_000));
    const exit = await d.stop({ timeoutMs: 3000 });
    expect(exit).toMatchObject({ code: 143, clean: false });
    expect(exit?.reason).toMatch(/signal 15/);
  });

  it('a lease that never comes times out naming what was searched and where', async () => {
    const h = await home();
    const d = track(h, { leaseTimeoutMs: 1500, uuid: undefined, env: { ...h.env, FAKE_LEASES: '' } });
    await d.start(h.cfg, new AbortController().signal);
    const e = await d.sshEndpoint(10_000, AbortSignal.timeout(15_000)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DriverError);
    expect((e as DriverError).message).toMatch(
      new RegExp(
        `^Failed to find the VM's IP in 2 s: no lease for name=${h.cfg.uuid} or hw_address=1,[0-9a-f:]+ in ${h.leaseFile} \\(the file does not exist\\)$`,
      ),
    );
  });

  it('refuses off an Intel Mac, naming the platform', async () => {
    const h = await home();
    const onLinux = new XhyveDriver(h.paths, { platform: 'linux', launch: [launcher] });
    await expect(onLinux.validate(h.cfg)).rejects.toThrow(
      'xhyve runs only on Intel Macs; this is linux (use qemu)',
    );
    const onArm = new XhyveDriver(h.paths, { platform: 'darwin', hostArch: 'arm64', launch: [launcher] });
    await expect(onArm.validate(h.cfg)).rejects.toThrow(
      'xhyve runs only on Intel Macs; on Apple Silicon use vfkit',
    );
  });
});

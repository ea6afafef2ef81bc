import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { DriverError } from '../../../electron/core/drivers/driver.js';
import { macFromUuid } from '../../../electron/core/drivers/vmnet/mac.js';
import { VfkitDriver } from '../../../electron/core/drivers/vfkit/vfkit-driver.js';
import { driverConformance, type HarnessHome } from '../../conformance/driver-suite.js';
import { compiledMux, fakeBinary, fakeHome, type FakeHome } from '../../conformance/fake-home.js';

/*
 * The vfkit driver against a scripted vfkit (test/fakes/fake-vfkit.mjs, REFERENCE.md section 2):
 * flags, the REST API on a unix socket, the console log, the NAT lease, and the Docker port over
 * vsock, where the real dlite-mux listens on a unix socket standing in for the guest's vsock port.
 */
let bin: string;
let vfkit: string;

beforeAll(async () => {
  bin = await mkdtemp('/tmp/dlvb-');
  vfkit = await fakeBinary(bin, 'vfkit', 'fake-vfkit.mjs');
});
afterAll(() => rm(bin, { recursive: true, force: true }));

const started: VfkitDriver[] = [];

function driverFor(h: FakeHome, env: NodeJS.ProcessEnv = {}, binary = vfkit): VfkitDriver {
  const d = new VfkitDriver(h.paths, {
    platform: 'darwin',
    hostArch: 'x64',
    osRelease: '23.4.0',
    binary,
    leaseFile: h.leaseFile,
    leaseTimeoutMs: 10_000,
    leasePollMs: 100,
    sshPort: h.sshPort,
    uuid: h.cfg.uuid,
    env: { ...h.env, ...env },
  });
  started.push(d);
  return d;
}

const vfkitHome = () =>
  fakeHome('dlv-', 'hvc0', () => ({ type: 'virtiofs', source: 'dlite-share', mountPoint: '/Users' }));

driverConformance({
  name: 'vfkit',
  home: async (): Promise<HarnessHome> => {
    const h = await vfkitHome();
    return { paths: h.paths, cfg: h.cfg, driver: () => driverFor(h), cleanup: () => h.cleanup() };
  },
  crash: (pid) => {
    process.kill(pid, 'SIGKILL');
    return Promise.resolve();
  },
  timeouts: { boot: 15_000, stop: 10_000, test: 40_000 },
  serveDockerPort: async (home) => {
    // The guest: an engine answering /_ping and dlite-mux listening on "vsock port 2375".
    const dir = path.dirname(home.paths.home);
    const engineSock = path.join(dir, 'engine.sock');
    const engine = http.createServer((_req, res) => res.end('OK'));
    await new Promise<void>((r) => engine.listen(engineSock, r));
    await mkdir(path.join(dir, 'vsock'), { recursive: true });
    const agent: ChildProcess = spawn(
      await compiledMux(bin),
      ['--listen', path.join(dir, 'vsock', '2375.sock'), '--target', engineSock],
      { stdio: 'ignore' },
    );
    return async () => {
      agent.kill('SIGKILL');
      await new Promise((r) => engine.close(r));
    };
  },
});

describe('vfkit specifics against the scripted vfkit', () => {
  const homes: FakeHome[] = [];
  const home = async () => {
    const h = await vfkitHome();
    homes.push(h);
    return h;
  };
  afterEach(async () => {
    for (const d of started.splice(0)) await d.stop({ timeoutMs: 1000 }).catch(() => undefined);
  });
  afterAll(async () => {
    for (const h of homes) await h.cleanup();
  });

  it("passes the stable MAC, leases by it, and the console goes to virtio-serial's log", async () => {
    const h = await home();
    const d = driverFor(h);
    await d.start(h.cfg, new AbortController().signal);
    expect(await d.rest.state()).toBe('Running');
    expect(await d.sshEndpoint(10_000, AbortSignal.timeout(15_000))).toEqual({ host: h.ip, port: h.sshPort });
    const mac = macFromUuid(h.cfg.uuid)
      .split(':')
      .map((o) => Number.parseInt(o, 16).toString(16))
      .join(':');
    expect(await readFile(h.leaseFile, 'utf8')).toContain(`hw_address=1,${mac}`);
    expect(await readFile(h.paths.consoleLog, 'utf8')).toContain('dlite: ssh ready');
    expect(await d.stop({ timeoutMs: 5000 })).toMatchObject({ code: 0, clean: true });
    expect(await d.rest.state()).toBe('gone');
  });

  it('a guest that ignores Stop is forced off (HardStop) after the timeout: not clean', async () => {
    const h = await home();
    const d = driverFor(h, { FAKE_IGNORE_STOP: '1' });
    const vm = await d.start(h.cfg, new AbortController().signal);
    await d.sshEndpoint(10_000, AbortSignal.timeout(15_000));
    const t0 = Date.now();
    expect(await d.stop({ timeoutMs: 1500 })).toMatchObject({ clean: false });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    expect((await vm.exited).reason).toMatch(/forced off/);
  });

  it('vfkit exiting during start fails the start with its error', async () => {
    const h = await home();
    await rm(h.cfg.share!.hostPath, { recursive: true });
    const e = await driverFor(h)
      .start(h.cfg, new AbortController().signal)
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DriverError);
    expect((e as DriverError).message).toBe(
      `vfkit exited during start: Error: virtio-fs: ${h.cfg.share!.hostPath}: no such directory`,
    );
    expect((e as DriverError).command).toMatch(/--restful-uri unix:\/\//);
  });

  it('refuses a compressed kernel, an old macOS, Linux, and a missing vfkit', async () => {
    const h = await home();
    await writeFile(h.cfg.kernelPath, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]));
    await expect(driverFor(h).validate(h.cfg)).rejects.toThrow(
      `${h.cfg.kernelPath} is gzip-compressed; vfkit needs it uncompressed`,
    );
    const old = new VfkitDriver(h.paths, { platform: 'darwin', osRelease: '21.6.0', binary: vfkit });
    await expect(old.validate(h.cfg)).rejects.toThrow(
      'vfkit needs macOS 13 or later; use xhyve or qemu on this Mac',
    );
    await expect(new VfkitDriver(h.paths, { platform: 'linux' }).validate(h.cfg)).rejects.toThrow(
      'vfkit runs only on macOS 13 or later; this is linux (use qemu)',
    );
    const none = new VfkitDriver(h.paths, {
      platform: 'darwin',
      osRelease: '23.0.0',
      env: { PATH: '/nonexistent' },
    });
    await expect(none.validate(h.cfg)).rejects.toThrow(/^vfkit was not found .*brew install vfkit$/);
  });
});

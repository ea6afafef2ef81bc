import { existsSync } from 'node:fs';

import { afterEach, describe, expect, it } from 'vitest';

import { MuxForwarder } from '../../electron/core/docker-sock/mux-forward.js';
import { DriverError, type HypervisorDriver, type VmConfig } from '../../electron/core/drivers/driver.js';
import { readSshBanner } from '../../electron/core/drivers/qemu/net.js';
import type { DlitePaths } from '../../electron/core/paths.js';
import { isAlive } from '../../electron/core/vm/pidfile.js';
import type { HypervisorName } from '../../electron/shared/types.js';

/** One Dlite home a conformance test works in. */
export interface HarnessHome {
  readonly paths: DlitePaths;
  readonly cfg: VmConfig;
  /** A new driver instance for this home (a new supervisor would make one). */
  driver(): HypervisorDriver;
  cleanup(): Promise<void>;
}

/**
 * What the suite needs from a driver's world: the real one (QEMU under TCG) or scripted fakes of a
 * hypervisor this machine cannot run (xhyve, vfkit), which follow REFERENCE.md.
 */
export interface DriverHarness {
  readonly name: HypervisorName;
  home(): Promise<HarnessHome>;
  /** Makes the VM die the hard way (the hypervisor crashes), given the pid `start` answered. */
  crash(pid: number): Promise<void>;
  readonly timeouts: { readonly boot: number; readonly stop: number; readonly test: number };
  /** Serves the guest end of the Docker port for `home`; resolves a clean-up. */
  readonly serveDockerPort?: (home: HarnessHome) => Promise<() => Promise<void>>;
}

/**
 * The one suite every driver passes (Lima's driver contract in DESIGN.md): features as data,
 * validate, idempotent create, start → SSH → graceful stop with clean-up, crash detection,
 * adoption by a new supervisor, cancellation, and the Docker port where the driver has one.
 */
export function driverConformance(h: DriverHarness): void {
  const homes: HarnessHome[] = [];
  const drivers: HypervisorDriver[] = [];
  const home = async (): Promise<HarnessHome> => {
    const x = await h.home();
    homes.push(x);
    return x;
  };
  const driver = (x: HarnessHome): HypervisorDriver => {
    const d = x.driver();
    drivers.push(d);
    return d;
  };

  afterEach(async () => {
    for (const d of drivers.splice(0)) await d.stop({ timeoutMs: 0 }).catch(() => undefined);
    for (const x of homes.splice(0)) await x.cleanup();
  });

  describe(`driver conformance: ${h.name}`, () => {
    it('declares its features as data', async () => {
      const x = await home();
      const { info } = driver(x);
      expect(info.name).toBe(h.name);
      expect(info.features.arches).toContain(x.cfg.arch);
      expect(['9p', 'virtiofs', 'nfs']).toContain(info.features.shareType);
      expect(['user', 'vmnet']).toContain(info.features.networkMode);
      const hasPort = typeof x.driver().dockerPort === 'function';
      expect(hasPort).toBe(info.features.dockerPort !== 'none');
    });

    it('validate refuses a guest it cannot boot, naming why', async () => {
      const x = await home();
      const other = x.cfg.arch === 'amd64' ? 'arm64' : 'amd64';
      const e: unknown = await driver(x)
        .validate({ ...x.cfg, arch: other })
        .catch((err: unknown) => err);
      expect(e).toBeInstanceOf(DriverError);
      expect((e as DriverError).code).toBe('driver-unavailable');
      expect((e as DriverError).message).toContain(other);
    });

    it('create is idempotent', async () => {
      const x = await home();
      const d = driver(x);
      await d.create(x.cfg);
      await d.create(x.cfg);
      expect(existsSync(x.paths.runDir) && existsSync(x.paths.logDir)).toBe(true);
    });

    it(
      'boots, answers SSH, keeps one VM per disk, serves the Docker port, powers off cleanly and cleans up',
      async () => {
        const x = await home();
        const d = driver(x);
        await d.validate(x.cfg);
        await d.create(x.cfg);
        const vm = await d.start(x.cfg, new AbortController().signal);
        expect(await isAlive(vm.pid)).toBe(true);
        expect(await d.inspect()).toMatchObject({ state: 'running', pid: vm.pid });
        const endpoint = await d.sshEndpoint(h.timeouts.boot, AbortSignal.timeout(h.timeouts.boot + 5000));
        expect(await readSshBanner(endpoint.host, endpoint.port, 5000)).toMatch(/^SSH-2\.0-/);

        const second = driver(x);
        await expect(second.start(x.cfg, new AbortController().signal)).rejects.toBeInstanceOf(DriverError);
        expect(await isAlive(vm.pid)).toBe(true);

        if (d.info.features.dockerPort !== 'none' && d.dockerPort) {
          expect(h.serveDockerPort, 'a driver with a Docker port has it checked').toBeDefined();
          const done = await h.serveDockerPort!(x);
          const mux = new MuxForwarder({
            channel: d.dockerPort(),
            kind: d.info.features.dockerPort === 'vsock' ? 'vsock' : 'virtio-serial',
            paths: x.paths,
            handshakeTimeoutMs: h.timeouts.boot,
          });
          try {
            await mux.start(h.timeouts.boot);
            expect(await mux.api.ping({ timeoutMs: 10_000 })).toBe('OK');
          } finally {
            await mux.stop();
            await done();
          }
        }

        const exit = await d.stop({ timeoutMs: h.timeouts.stop });
        expect(exit).toMatchObject({ clean: true });
        expect(await vm.exited).toMatchObject({ clean: true });
        expect(await isAlive(vm.pid)).toBe(false);
        expect(await d.inspect()).toMatchObject({ state: 'stopped', pid: null });
        expect(existsSync(x.paths.vmPid)).toBe(false);
        expect(await d.stop({ timeoutMs: 1000 })).toBeNull();
      },
      h.timeouts.test,
    );

    it(
      'notices a crash: exited settles, not clean',
      async () => {
        const x = await home();
        const d = driver(x);
        const vm = await d.start(x.cfg, new AbortController().signal);
        await d.sshEndpoint(h.timeouts.boot, AbortSignal.timeout(h.timeouts.boot + 5000));
        await h.crash(vm.pid);
        const exit = await vm.exited;
        expect(exit.clean).toBe(false);
        expect(await d.inspect()).toMatchObject({ state: 'stopped' });
      },
      h.timeouts.test,
    );

    it(
      'a new supervisor finds the running VM, adopts it and stops it',
      async () => {
        const x = await home();
        const first = driver(x);
        const vm = await first.start(x.cfg, new AbortController().signal);
        await first.sshEndpoint(h.timeouts.boot, AbortSignal.timeout(h.timeouts.boot + 5000));
        await first.detach?.();
        const next = driver(x);
        expect(await next.inspect()).toMatchObject({ state: 'running', pid: vm.pid });
        const adopted = await next.adopt!(vm.pid);
        expect(adopted?.pid).toBe(vm.pid);
        expect(await next.stop({ timeoutMs: h.timeouts.stop })).toMatchObject({ clean: true });
        expect(await isAlive(vm.pid)).toBe(false);
        expect(await next.adopt!(vm.pid)).toBeNull();
      },
      h.timeouts.test,
    );

    it(
      'a cancelled start leaves no hypervisor behind',
      async () => {
        const x = await home();
        const aborted = new AbortController();
        aborted.abort();
        await expect(driver(x).start(x.cfg, aborted.signal)).rejects.toMatchObject({ code: 'cancelled' });
        const ac = new AbortController();
        const d = driver(x);
        const vm = await d.start(x.cfg, ac.signal);
        ac.abort();
        const exit = await vm.exited;
        expect(exit.clean).toBe(false);
        expect(await isAlive(vm.pid)).toBe(false);
      },
      h.timeouts.test,
    );
  });
}

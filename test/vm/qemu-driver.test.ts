import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { buildKernelCmdline } from '../../electron/core/boot/cmdline.js';
import { DriverError, type VmConfig } from '../../electron/core/drivers/driver.js';
import { freePort, readSshBanner } from '../../electron/core/drivers/qemu/net.js';
import { QemuDriver } from '../../electron/core/drivers/qemu/qemu-driver.js';
import { resolvePaths, type DlitePaths } from '../../electron/core/paths.js';
import { run } from '../../electron/core/process/run.js';
import { ensureDisk } from '../../electron/core/vm/disk.js';
import { LockError, readLock } from '../../electron/core/vm/lock.js';
import { isAlive, readPidfile } from '../../electron/core/vm/pidfile.js';

const OS_DIR = path.resolve('build/os/out/amd64');
const UUID = '5f0c3a9e-6a51-4b8e-9d2c-2b7d3e1f4a60';

let home: string;
let paths: DlitePaths;
/** Shared over 9p; the comma and space exercise QEMU option escaping and the base64url parameters. */
let shareDir: string;
let cfg: VmConfig;
const drivers: QemuDriver[] = [];

/** The guest is told to mount 9p (below), so the driver must not pick virtiofs. */
const NINE_P_ENV = { ...process.env, DLITE_VIRTIOFSD: 'off' };

function driver(diskLock = true): QemuDriver {
  const d = new QemuDriver(paths, { diskLock, env: NINE_P_ENV });
  drivers.push(d);
  return d;
}

/**
 * Bundles a tiny "supervisor" script (driver.start, print the QEMU pid, stay alive) and runs it as a
 * separate Node process, so a test can SIGKILL it like a crashed supervisor.
 */
async function startSupervisorProcess(): Promise<{ pid: number; qemuPid: number; exited: Promise<unknown> }> {
  const script = path.join(home, 'supervisor.mjs');
  const driverModule = path.resolve('electron/core/drivers/qemu/qemu-driver.ts');
  await build({
    stdin: {
      contents: [
        `import { QemuDriver } from ${JSON.stringify(driverModule)};`,
        'const cfg = JSON.parse(process.env.DLITE_TEST_CFG);',
        'const driver = new QemuDriver(JSON.parse(process.env.DLITE_TEST_PATHS), { diskLock: true });',
        'const vm = await driver.start(cfg, new AbortController().signal);',
        'process.stdout.write(`${vm.pid}\\n`);',
        'setInterval(() => undefined, 1000);',
      ].join('\n'),
      resolveDir: path.resolve('.'),
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: script,
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  const child = spawn(process.execPath, [script], {
    env: { ...NINE_P_ENV, DLITE_TEST_CFG: JSON.stringify(cfg), DLITE_TEST_PATHS: JSON.stringify(paths) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  const qemuPid = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    void exited.then(() => reject(new Error(`supervisor process exited early: ${out}`)));
  });
  return { pid: child.pid!, qemuPid, exited };
}

/** Runs `command` in the guest as `docker` over the forwarded ssh port. */
async function ssh(port: number, command: string): Promise<string> {
  const { stdout } = await run(
    'ssh',
    [
      ...['-i', paths.sshKey, '-p', String(port), '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR'],
      ...['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'],
      'docker@127.0.0.1',
      command,
    ],
    { timeoutMs: 30_000 },
  );
  return stdout;
}

/** Waits until the guest console shows `line` (a stop is measured on a settled guest, not mid-boot). */
async function consoleShows(line: string): Promise<void> {
  await expect
    .poll(() => readFile(paths.consoleLog, 'utf8'), { timeout: 120_000, interval: 500 })
    .toContain(line);
}

/** Connects to 127.0.0.1:port and returns what the peer sends before closing ('' when refused/reset). */
function readAll(port: number): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    const s = net.connect(port, '127.0.0.1');
    s.on('data', (c: Buffer) => (data += c.toString()));
    s.once('error', () => resolve(data));
    s.once('close', () => resolve(data));
    setTimeout(() => s.destroy(), 10_000);
  });
}

beforeAll(async () => {
  expect(existsSync(path.join(OS_DIR, 'bzImage')), `guest image missing in ${OS_DIR}`).toBe(true);
  home = await mkdtemp(path.join(os.tmpdir(), 'dlq-'));
  paths = resolvePaths({ DLITE_HOME: home });
  await run('mkdir', ['-p', paths.sshDir]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dlite-test', '-f', paths.sshKey]);
  const sshPublicKey = (await readFile(`${paths.sshKey}.pub`, 'utf8')).trim();
  await ensureDisk(paths.disk, 2);
  shareDir = path.join(home, 'shared, dir');
  await run('mkdir', ['-p', shareDir]);
  cfg = {
    uuid: UUID,
    hostname: 'local.docker',
    cpus: 2,
    memoryGiB: 1,
    diskGiB: 2,
    arch: 'amd64',
    kernelPath: path.join(OS_DIR, 'bzImage'),
    initrdPath: path.join(OS_DIR, 'rootfs.cpio.zst'),
    cmdline: buildKernelCmdline({
      console: 'ttyS0',
      hostname: 'local.docker',
      uuid: UUID,
      sshPublicKey,
      time: Math.floor(Date.now() / 1000),
      dockerTcp: false,
      share: { type: '9p', source: 'dlite-share', mountPoint: shareDir },
      dns: [],
    }),
    share: { hostPath: shareDir, tag: 'dlite-share' },
    dockerTcp: false,
  };
});

afterEach(async () => {
  // Never leave a QEMU behind, whatever failed.
  for (const d of drivers.splice(0)) await d.stop({ timeoutMs: 0 }).catch(() => undefined);
  const pid = await readPidfile(paths.vmPid);
  if (pid !== null && (await isAlive(pid))) process.kill(pid, 'SIGKILL');
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('QemuDriver on the real guest (TCG)', () => {
  it('boots, serves SSH, forwards a port, enforces one VM per disk and powers off cleanly', async () => {
    const a = driver();
    await a.validate(cfg);
    expect(a.accelerator).toEqual({ accel: 'tcg', reason: 'no vmx/svm in /proc/cpuinfo' });
    await a.create(cfg);
    const t0 = Date.now();
    const vm = await a.start(cfg, new AbortController().signal);
    expect(await isAlive(vm.pid)).toBe(true);
    expect(await readPidfile(paths.vmPid)).toBe(vm.pid);

    const endpoint = await a.sshEndpoint(120_000, AbortSignal.timeout(130_000));
    console.log(`ssh banner after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(endpoint.host).toBe('127.0.0.1');
    expect(await readSshBanner(endpoint.host, endpoint.port, 5000)).toMatch(/^SSH-2\.0-/);
    await expect
      .poll(() => readFile(paths.consoleLog, 'utf8'), { timeout: 30_000 })
      .toContain('dlite: ssh ready');
    expect(await a.inspect()).toEqual({ state: 'running', pid: vm.pid });

    // One VM per disk: the lock stops a locking driver, the live-QEMU check stops any other.
    await expect(driver().start(cfg, new AbortController().signal)).rejects.toBeInstanceOf(LockError);
    const e: unknown = await driver(false)
      .start(cfg, new AbortController().signal)
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DriverError);
    expect((e as DriverError).message).toContain(`QEMU (pid ${vm.pid}) already runs on this disk`);
    expect(await isAlive(vm.pid)).toBe(true);

    // The 9p share is writable by guest root (as containers run) and the file lands on the host.
    expect((await ssh(endpoint.port, 'id -un')).trim()).toBe('docker');
    await ssh(endpoint.port, `sudo sh -c "echo written-in-guest > '${shareDir}/from-guest'"`);
    expect(await readFile(path.join(shareDir, 'from-guest'), 'utf8')).toBe('written-in-guest\n');

    // A guest service reached through a forward added at runtime (sshd's banner on a second host port).
    const hostPort = await freePort();
    await a.forwardPort(hostPort, 22);
    expect(await readSshBanner('127.0.0.1', hostPort, 10_000)).toMatch(/^SSH-2\.0-/);
    await expect(a.forwardPort(hostPort, 2375)).rejects.toThrow(/cannot forward 127\.0\.0\.1/);
    expect(JSON.parse(await readFile(path.join(paths.runDir, 'qemu.json'), 'utf8'))).toMatchObject({
      pid: vm.pid,
      sshPort: endpoint.port,
      forwards: [{ hostPort, guestPort: 22 }],
    });
    await a.removeForward(hostPort);
    await a.removeForward(hostPort);
    expect(await readAll(hostPort)).toBe('');

    await consoleShows('dlite: docker ready');
    const t1 = Date.now();
    const exit = await a.stop({ timeoutMs: 15_000 });
    console.log(`stop took ${Date.now() - t1} ms`);
    expect(Date.now() - t1).toBeLessThan(15_000);
    expect(exit).toMatchObject({ code: 0, signal: null, clean: true });
    expect(await vm.exited).toEqual(exit);
    expect(await isAlive(vm.pid)).toBe(false);
    expect(existsSync(paths.vmPid)).toBe(false);
    expect(existsSync(paths.diskLock)).toBe(false);
    expect(await a.inspect()).toEqual({ state: 'stopped', pid: null });
    expect(await a.stop({ timeoutMs: 1000 })).toBeNull();
  });

  it('survives a crashed supervisor; another driver adopts the VM and powers it off cleanly', async () => {
    // A separate Node process starts the VM with its own driver (holding the disk lock) and is killed.
    const supervisor = await startSupervisorProcess();
    const vm = { pid: supervisor.qemuPid };
    process.kill(supervisor.pid, 'SIGKILL');
    await supervisor.exited;
    expect(await isAlive(vm.pid)).toBe(true);
    expect(await readLock(paths.diskLock)).toMatchObject({ pid: supervisor.pid, hypervisorPid: vm.pid });
    const b = driver();
    const { port } = await b.sshEndpoint(120_000, AbortSignal.timeout(130_000));

    expect(await b.inspect()).toEqual({ state: 'running', pid: vm.pid });
    expect(await b.adopt(process.pid)).toBeNull();
    const adopted = await b.adopt(vm.pid);
    expect(adopted?.pid).toBe(vm.pid);
    expect(await readLock(paths.diskLock)).toMatchObject({ pid: process.pid, hypervisorPid: vm.pid });
    expect(await b.sshEndpoint(10_000, AbortSignal.timeout(15_000))).toEqual({ host: '127.0.0.1', port });
    await expect(driver().adopt(vm.pid)).rejects.toBeInstanceOf(LockError);

    const hostPort = await freePort();
    await b.forwardPort(hostPort, 22);
    expect(await readSshBanner('127.0.0.1', hostPort, 10_000)).toMatch(/^SSH-2\.0-/);

    await consoleShows('dlite: docker ready');
    const t1 = Date.now();
    const exit = await b.stop({ timeoutMs: 15_000 });
    expect(Date.now() - t1).toBeLessThan(15_000);
    expect(exit?.clean).toBe(true);
    expect((await adopted!.exited).clean).toBe(true);
    expect(await isAlive(vm.pid)).toBe(false);
  });

  it('notices kill -9 promptly, for its own child and for an adopted QEMU', async () => {
    for (const adoptFirst of [false, true]) {
      const a = driver();
      let vm = await a.start(cfg, new AbortController().signal);
      let d = a;
      if (adoptFirst) {
        await a.detach();
        d = driver();
        vm = (await d.adopt(vm.pid))!;
      }
      const t = Date.now();
      process.kill(vm.pid, 'SIGKILL');
      const exit = await vm.exited;
      expect(Date.now() - t).toBeLessThan(1500);
      expect(exit.clean).toBe(false);
      if (!adoptFirst) expect(exit.signal).toBe('SIGKILL');
      expect(existsSync(paths.vmPid)).toBe(false);
      expect(await d.inspect()).toEqual({ state: 'stopped', pid: null });
    }
  });

  it('kills QEMU when the start signal aborts, and start fails clearly on a bad kernel', async () => {
    const ac = new AbortController();
    const vm = await driver().start(cfg, ac.signal);
    ac.abort();
    expect((await vm.exited).clean).toBe(false);

    const bad = { ...cfg, kernelPath: path.join(home, 'config.json') };
    await run('sh', ['-c', `echo '{}' > ${bad.kernelPath}`]);
    const e: unknown = await driver()
      .start(bad, new AbortController().signal)
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DriverError);
    expect((e as DriverError).message).toMatch(/^QEMU exited during start: .*kernel/);
    expect((e as DriverError).command).toContain('-kernel');
    expect(existsSync(paths.diskLock)).toBe(false);
  });
});

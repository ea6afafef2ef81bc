/**
 * The arm64 guest image, booted for real by the QEMU driver under `qemu-system-aarch64 -M virt`
 * (emulated: TCG on this amd64 machine). Same boot protocol and milestones as amd64; the console
 * device (hvc0, what vfkit gives) comes from the image manifest; docker.sock goes through the arm64
 * dlite-mux over virtio-serial; a container runs; the power button stops it cleanly.
 */
import { execFile } from 'node:child_process';
import { open, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildKernelCmdline, type GuestConsole } from '../../electron/core/boot/cmdline.js';
import { MuxForwarder } from '../../electron/core/docker-sock/mux-forward.js';
import type { VmConfig } from '../../electron/core/drivers/driver.js';
import { QemuDriver } from '../../electron/core/drivers/qemu/qemu-driver.js';
import { resolvePaths, type DlitePaths } from '../../electron/core/paths.js';
import { ensureSshKey } from '../../electron/core/ssh/keys.js';
import { ensureDisk } from '../../electron/core/vm/disk.js';

import { busyboxRootfsTar } from './helpers/busybox-image.js';
import { dockerCli } from './helpers/docker.js';
import { guestImage, OS_OUT_ARM64, type GuestImage } from './helpers/qemu.js';

const exec = promisify(execFile);
const UUID = '0a6e8a52-3c1f-4d7b-8e90-4b5c6d7e8f90';
const IMAGE = 'dlite-test/busybox-arm64:1';
/** Emulating a whole arm64 machine on two cores is several times slower than x86 on x86. */
const BOOT_TIMEOUT = 480_000;

let image: GuestImage;
let home: string;
let paths: DlitePaths;
let driver: QemuDriver;
let mux: MuxForwarder | undefined;
let cfg: VmConfig;
let readyAfterMs = 0;

const { dockerOk } = dockerCli(() => ({
  DOCKER_HOST: `unix://${paths.dockerSocket}`,
  DOCKER_CONFIG: path.join(home, 'docker-config'),
}));

async function consoleText(): Promise<string> {
  return readFile(paths.consoleLog, 'utf8').catch(() => '');
}

async function waitConsole(line: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await consoleText()).includes(line)) {
    if (Date.now() > deadline) {
      throw new Error(`no "${line}" within ${timeoutMs} ms:\n${await consoleText()}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  image = guestImage(OS_OUT_ARM64);
  home = await mkdtemp(path.join(os.tmpdir(), 'dla-'));
  paths = resolvePaths({ DLITE_HOME: home });
  const key = await ensureSshKey(paths);
  await ensureDisk(paths.disk, 4);
  cfg = {
    uuid: UUID,
    hostname: 'dlite-arm64',
    cpus: 2,
    memoryGiB: 2,
    diskGiB: 4,
    arch: 'arm64',
    kernelPath: image.kernel,
    initrdPath: image.initrd,
    cmdline: buildKernelCmdline({
      console: image.console as GuestConsole,
      hostname: 'dlite-arm64',
      uuid: UUID,
      sshPublicKey: key.publicKey,
      time: Math.floor(Date.now() / 1000),
      dockerTcp: false,
      share: null,
      dns: [],
    }),
    share: null,
    dockerTcp: false,
  };
  driver = new QemuDriver(paths, { emulate: ['arm64'] });
});

afterAll(async () => {
  await mux?.stop();
  await driver?.stop({ timeoutMs: 0 }).catch(() => undefined);
  if (home) await rm(home, { recursive: true, force: true });
});

describe('the arm64 image', () => {
  it('has an uncompressed arm64 kernel Image and a manifest naming its console', async () => {
    expect(image.arch).toBe('arm64');
    expect(image.console).toBe('hvc0');
    expect(path.basename(image.kernel)).toBe('Image');
    // arm64 Image header: "ARM\x64" at byte 56 (Documentation/arch/arm64/booting.rst); gzip would be 1f 8b.
    const header = Buffer.alloc(64);
    const fh = await open(image.kernel, 'r');
    await fh.read(header, 0, 64, 0);
    await fh.close();
    expect(header.subarray(56, 60).toString('latin1')).toBe('ARM\x64');
  });

  it('boots under the QEMU driver (aarch64, emulated) to docker ready with every milestone', async () => {
    await driver.validate(cfg);
    expect(driver.accelerator?.accel).toBe('tcg');
    const t0 = Date.now();
    await driver.start(cfg, new AbortController().signal);
    await waitConsole('dlite: docker ready', BOOT_TIMEOUT);
    readyAfterMs = Date.now() - t0;
    const text = await consoleText();
    const lines = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('dlite: '));
    for (const milestone of ['dlite: disk formatted', 'dlite: network up ip=10.0.2.15', 'dlite: ssh ready']) {
      expect(lines, text).toContain(milestone);
    }
    expect(lines.filter((l) => /^dlite: (error|skipped)/.test(l))).toEqual([]);
    console.log(`arm64 (emulated): docker ready after ${(readyAfterMs / 1000).toFixed(1)} s`);
  });

  it('runs an arm64 container through dlite-mux (docker.sock over virtio-serial)', async () => {
    mux = new MuxForwarder({ channel: paths.dockerPortSocket, paths, log: () => undefined });
    await mux.start(60_000);
    expect(await dockerOk(['version', '--format', '{{.Server.Arch}} {{.Server.Version}}'])).toMatch(
      /^arm64 26\./,
    );
    // The initramfs carries the image's own static arm64 busybox: the container image is made from it.
    const dir = await mkdtemp(path.join(home, 'bb-'));
    await exec('sh', ['-c', `zstd -dc "${image.initrd}" | (cd "${dir}" && cpio -i -d --quiet bin/busybox)`]);
    const bb = await busyboxRootfsTar(path.join(dir, 'bin/busybox'));
    try {
      await dockerOk(['import', bb.tar, IMAGE], { timeoutMs: 180_000 });
    } finally {
      await bb.cleanup();
    }
    expect(await dockerOk(['run', '--rm', IMAGE, 'uname', '-m'], { timeoutMs: 180_000 })).toBe('aarch64');
  });

  it('powers off cleanly on the virt machine power button', async () => {
    await mux?.stop();
    mux = undefined;
    const exit = await driver.stop({ timeoutMs: 60_000 });
    expect(exit?.clean).toBe(true);
    expect(await consoleText()).toContain('dlite: shutdown clean');
    expect((await driver.inspect()).state).toBe('stopped');
  });
});

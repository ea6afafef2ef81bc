import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { buildKernelCmdline, type BootShare } from '../../electron/core/boot/cmdline.js';
import type { VmConfig } from '../../electron/core/drivers/driver.js';
import { resolvePaths, type DlitePaths } from '../../electron/core/paths.js';

export const FAKES = path.resolve(import.meta.dirname, '../fakes');
const MUX_SOURCE = path.resolve(import.meta.dirname, '../../build/os/mux/dlite-mux.c');
export const UUID = '5f0c3a9e-6a51-4b8e-9d2c-2b7d3e1f4a60';
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJ0ZXN0a2V5Zm9yZGxpdGVmYWtlaGFybmVzczAwMDAwMA dlite';

/** A fresh short home for a fake hypervisor (unix socket paths must stay short). */
export interface FakeHome {
  readonly dir: string;
  readonly paths: DlitePaths;
  readonly cfg: VmConfig;
  readonly leaseFile: string;
  /** The guest's address (a loopback address of its own) and SSH port. */
  readonly ip: string;
  readonly sshPort: number;
  /** FAKE_* environment for the scripted hypervisor. */
  readonly env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * An executable file standing in for a hypervisor binary: runs the fake with this Node (the xhyve
 * launcher runs it with a PATH of system folders only, so the interpreter is named absolutely).
 */
export async function fakeBinary(dir: string, name: string, fake: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(
    file,
    `#!${process.execPath}\nimport(${JSON.stringify(pathToFileURL(path.join(FAKES, fake)).href)});\n`,
  );
  await chmod(file, 0o755);
  return file;
}

/**
 * A home with a sparse disk, a kernel that looks like a bzImage, an initrd, a share folder and a
 * kernel command line from the real builder.
 */
export async function fakeHome(
  prefix: string,
  console: 'ttyS0' | 'hvc0',
  share: (dir: string) => BootShare,
): Promise<FakeHome> {
  const dir = await mkdtemp(`/tmp/${prefix}`);
  const paths = resolvePaths({ DLITE_HOME: path.join(dir, 'h') });
  await mkdir(paths.home, { recursive: true });
  await writeFile(paths.disk, '');
  await (await import('node:fs/promises')).truncate(paths.disk, 64 * 1024 * 1024);
  const kernel = Buffer.alloc(4096);
  kernel.write('HdrS', 0x202, 'latin1');
  const kernelPath = path.join(dir, 'os', 'bzImage');
  await mkdir(path.dirname(kernelPath), { recursive: true });
  await writeFile(kernelPath, kernel);
  const initrdPath = path.join(dir, 'os', 'rootfs.cpio.zst');
  await writeFile(initrdPath, 'initrd');
  const shareDir = path.join(dir, 'share');
  await mkdir(shareDir);
  const ip = `127.${10 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
  const sshPort = await freePort(ip);
  const leaseFile = path.join(dir, 'dhcpd_leases');
  const bootShare = share(shareDir);
  const cfg: VmConfig = {
    uuid: UUID,
    hostname: 'local.docker',
    cpus: 1,
    memoryGiB: 1,
    diskGiB: 1,
    arch: 'amd64',
    kernelPath,
    initrdPath,
    cmdline: buildKernelCmdline({
      console,
      hostname: 'local.docker',
      uuid: UUID,
      sshPublicKey: SSH_KEY,
      time: Math.floor(Date.now() / 1000),
      dockerTcp: false,
      share: bootShare,
      dns: [],
    }),
    share: { hostPath: shareDir, tag: 'dlite-share' },
    dockerTcp: false,
  };
  return {
    dir,
    paths,
    cfg,
    leaseFile,
    ip,
    sshPort,
    env: {
      ...process.env,
      FAKE_LEASES: leaseFile,
      FAKE_GUEST_IP: ip,
      FAKE_SSH_PORT: String(sshPort),
      FAKE_LEASE_DELAY_MS: '400',
      FAKE_STALE_LEASE: '1',
      FAKE_VSOCK_DIR: path.join(dir, 'vsock'),
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The children of `pid` (Linux /proc), e.g. the xhyve the launcher started. */
export async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.split(/\s+/).filter(Boolean).map(Number);
}

let muxBinary: Promise<string> | null = null;

/** dlite-mux compiled once per test file. */
export function compiledMux(dir: string): Promise<string> {
  muxBinary ??= (async () => {
    const out = path.join(dir, 'dlite-mux');
    await promisify(execFile)('gcc', [
      '-std=c11',
      '-O2',
      '-Wall',
      '-Wextra',
      '-Werror',
      '-o',
      out,
      MUX_SOURCE,
    ]);
    return out;
  })();
  return muxBinary;
}

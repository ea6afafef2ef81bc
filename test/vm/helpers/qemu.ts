import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { QmpClient } from './qmp.js';

/** Where `npm run build:os` writes the amd64 guest image. */
export const OS_OUT = path.resolve(import.meta.dirname, '../../../build/os/out/amd64');

/** The bookworm build the upgrade test starts from (`npm test` builds it; see test/run-all.mjs). */
export const OS_OUT_BOOKWORM = path.resolve(import.meta.dirname, '../../../build/os/out/amd64-bookworm');

/** Where `npm run build:os -- --arch arm64` writes the arm64 guest image. */
export const OS_OUT_ARM64 = path.resolve(import.meta.dirname, '../../../build/os/out/arm64');

/** A built guest image: its files as its manifest names them, and what the manifest states. */
export interface GuestImage {
  readonly kernel: string;
  readonly initrd: string;
  readonly manifest: string;
  readonly arch: 'amd64' | 'arm64';
  readonly console: string;
  readonly suite: string;
  readonly dockerVersion: string;
}

/** The guest image in `dir`; throws a clear error when it has not been built. */
export function guestImage(dir = OS_OUT): GuestImage {
  const manifest = path.join(dir, 'manifest.json');
  const hint =
    dir === OS_OUT
      ? '`npm run build:os`'
      : dir === OS_OUT_ARM64
        ? '`npm run build:os -- --arch arm64`'
        : `\`DLITE_OS_SUITE=bookworm DLITE_OS_ZSTD_LEVEL=3 npm run build:os -- --out ${dir}\``;
  if (!existsSync(manifest)) {
    throw new Error(`guest image not built (missing ${manifest}): run ${hint} (as root) first`);
  }
  const m = JSON.parse(readFileSync(manifest, 'utf8')) as {
    arch: 'amd64' | 'arm64';
    suite: string;
    dockerVersion: string;
    boot: { kernel: string; initrd: string; console: string };
  };
  const image = {
    kernel: path.join(dir, m.boot.kernel),
    initrd: path.join(dir, m.boot.initrd),
    manifest,
    arch: m.arch,
    console: m.boot.console,
    suite: m.suite,
    dockerVersion: m.dockerVersion,
  };
  const missing = [image.kernel, image.initrd].filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new Error(`guest image incomplete (missing ${missing.join(', ')}): run ${hint} (as root) first`);
  }
  return image;
}

/** base64url without padding, as the dlite.* kernel parameters carry text. */
export function b64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** Creates (or keeps) a sparse raw disk image of `bytes`. */
export async function sparseDisk(file: string, bytes: number): Promise<void> {
  const handle = await open(file, 'a');
  try {
    if ((await handle.stat()).size < bytes) await handle.truncate(bytes);
  } finally {
    await handle.close();
  }
}

export interface BootOptions {
  /** Working directory for the console log and the QMP socket. */
  readonly dir: string;
  /** Raw disk attached as virtio-blk (/dev/vda); omitted: no disk. */
  readonly disk?: string;
  /** dlite.* parameters and anything else, appended after `console=ttyS0`. */
  readonly cmdline: readonly string[];
  /** Host folder exported over 9p with this mount tag. */
  readonly share?: { readonly hostPath: string; readonly tag: string };
  readonly kernel?: string;
  readonly initrd?: string;
  /** Image directory (amd64) to boot instead of {@link OS_OUT}. */
  readonly image?: string;
  /** Also give the guest the `io.dlite.docker` virtio-serial port, served by QEMU on this socket. */
  readonly dockerPortSocket?: string;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Milliseconds since QEMU was started. */
  readonly atMs: number;
}

/** A running QEMU (TCG) guest. Only one should run at a time on a 2-core machine. */
export interface Vm {
  readonly sshPort: number;
  readonly consoleLog: string;
  readonly qmpSocket: string;
  /** `Date.now()` when QEMU was spawned. */
  readonly startedAt: number;
  readonly exited: Promise<ExitInfo>;
  /** The console so far. */
  console(): Promise<string>;
  /** Resolves with the first console line matching `re` (and the ms since start it was seen). */
  waitConsole(re: RegExp, timeoutMs: number): Promise<{ line: string; atMs: number }>;
  /** ACPI power button via QMP `system_powerdown`. */
  powerdown(): Promise<void>;
  /** SIGKILL (used in cleanup); resolves once QEMU is gone. */
  kill(): Promise<void>;
}

/**
 * Boots the built amd64 guest (or `opts.image`) with `qemu-system-x86_64 -accel tcg,thread=single -machine q35
 * -m 2048 -smp 2`:
 * kernel + initramfs, virtio disk and network (SSH forwarded from a free 127.0.0.1 port), optional
 * 9p share, serial console to `<dir>/console.log`, QMP on `<dir>/qmp.sock`.
 */
export async function bootVm(opts: BootOptions): Promise<Vm> {
  const image = guestImage(opts.image);
  if (image.arch !== 'amd64') throw new Error(`bootVm boots amd64 images, not ${image.arch}`);
  const sshPort = await freePort();
  const consoleLog = path.join(opts.dir, 'console.log');
  const qmpSocket = path.join(opts.dir, 'qmp.sock');
  await rm(consoleLog, { force: true });
  await rm(qmpSocket, { force: true });
  const args = [
    // One TCG thread, as the QEMU driver runs x86 guests: multi-threaded TCG lets the kernel's code
    // patching kill the guest now and then (build/os/README.md), and two VM test files run at once.
    ...['-accel', 'tcg,thread=single', '-machine', 'q35', '-cpu', 'max', '-m', '2048', '-smp', '2'],
    ...['-kernel', opts.kernel ?? image.kernel, '-initrd', opts.initrd ?? image.initrd],
    ...['-append', ['console=ttyS0', ...opts.cmdline].join(' ')],
    ...(opts.disk ? ['-drive', `file=${opts.disk},if=virtio,format=raw`] : []),
    ...[
      '-netdev',
      `user,id=net0,hostfwd=tcp:127.0.0.1:${sshPort}-:22`,
      '-device',
      'virtio-net-pci,netdev=net0',
    ],
    ...(opts.share
      ? ['-virtfs', `local,path=${opts.share.hostPath},mount_tag=${opts.share.tag},security_model=none`]
      : []),
    ...['-serial', `file:${consoleLog}`, '-qmp', `unix:${qmpSocket},server=on,wait=off`],
    ...['-display', 'none', '-nodefaults', '-no-user-config'],
    ...(opts.dockerPortSocket
      ? [
          ...['-device', 'virtio-serial-pci,id=vser0'],
          ...['-chardev', `socket,id=dport0,path=${opts.dockerPortSocket},server=on,wait=off`],
          ...['-device', 'virtserialport,bus=vser0.0,chardev=dport0,name=io.dlite.docker'],
        ]
      : []),
  ];
  const startedAt = Date.now();
  const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  // Never leave a guest running if the test process goes away first.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let done: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) =>
    child.once('exit', (code, signal) => {
      done = { code, signal, atMs: Date.now() - startedAt };
      process.removeListener('exit', killOnExit);
      resolve(done);
    }),
  );

  const readConsole = (): Promise<string> => readFile(consoleLog, 'utf8').catch(() => '');

  return {
    sshPort,
    consoleLog,
    qmpSocket,
    startedAt,
    exited,
    console: readConsole,
    async waitConsole(re, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = await readConsole();
        const line = text.split('\n').find((l) => re.test(l));
        if (line !== undefined) return { line: line.trim(), atMs: Date.now() - startedAt };
        const tail = text.split('\n').slice(-25).join('\n');
        if (done) {
          throw new Error(`QEMU exited (${done.code ?? done.signal}) before ${re}: ${stderr}\n${tail}`);
        }
        if (Date.now() > deadline) throw new Error(`no console line ${re} within ${timeoutMs} ms:\n${tail}`);
        await sleep(50);
      }
    },
    async powerdown() {
      const qmp = await QmpClient.connect(qmpSocket);
      try {
        await qmp.execute('system_powerdown');
      } finally {
        qmp.close();
      }
    },
    async kill() {
      if (!done) child.kill('SIGKILL');
      await exited;
    },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { freePort } from '../../../electron/core/drivers/qemu/net.js';

import { REPO } from './cli.js';

/** The guest image the OS build writes (kernel, initramfs, manifest). */
export const IMAGE_DIR = path.join(REPO, 'build/os/out/amd64');

export interface BootedGuest {
  readonly sshPort: number;
  readonly qmpSocket: string;
  readonly consoleLog: string;
  readonly process: ChildProcess;
  /** Resolves when a console line matches `re`; rejects after `timeoutMs` or if QEMU exits. */
  waitConsole(re: RegExp, timeoutMs: number): Promise<string>;
  /** Kills QEMU (the disk is throwaway). */
  kill(): Promise<void>;
}

function b64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

/**
 * Boots the real guest under plain QEMU (TCG) with user networking: SSH on a free 127.0.0.1 port,
 * QMP on `<dir>/qmp.sock`, the serial console in `<dir>/console.log`, a fresh sparse disk.
 */
export async function bootGuest(opts: {
  dir: string;
  uuid: string;
  publicKey: string;
  /** Also give the guest the `io.dlite.docker` virtio-serial port, served by QEMU on this socket. */
  dockerPortSocket?: string;
}): Promise<BootedGuest> {
  const sshPort = await freePort();
  const disk = path.join(opts.dir, 'disk.img');
  const consoleLog = path.join(opts.dir, 'console.log');
  const qmpSocket = path.join(opts.dir, 'qmp.sock');
  const handle = await open(disk, 'w');
  await handle.truncate(4 * 1024 ** 3);
  await handle.close();
  const cmdline = [
    'console=ttyS0',
    'dlite.hostname=dlite-test',
    `dlite.uuid=${opts.uuid}`,
    `dlite.time=${Math.floor(Date.now() / 1000)}`,
    'dlite.docker_tcp=0',
    `dlite.ssh_key=${b64url(opts.publicKey)}`,
  ].join(' ');
  const args = [
    // One TCG thread, as the QEMU driver runs x86 guests (see helpers/qemu.ts).
    ...['-accel', 'tcg,thread=single', '-machine', 'q35', '-m', '2048', '-smp', '2'],
    ...['-kernel', path.join(IMAGE_DIR, 'bzImage'), '-initrd', path.join(IMAGE_DIR, 'rootfs.cpio.zst')],
    ...['-append', cmdline],
    ...['-drive', `file=${disk},if=virtio,format=raw`],
    ...[
      '-netdev',
      `user,id=net0,hostfwd=tcp:127.0.0.1:${sshPort}-:22`,
      '-device',
      'virtio-net-pci,netdev=net0',
    ],
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
  const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => (exited = true));

  const waitConsole = async (re: RegExp, timeoutMs: number): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = await readFile(consoleLog, 'utf8').catch(() => '');
      const line = text.split('\n').find((l) => re.test(l));
      if (line !== undefined) return line;
      if (exited) throw new Error(`QEMU exited: ${stderr.trim()}\n${text.split('\n').slice(-20).join('\n')}`);
      if (Date.now() > deadline) {
        throw new Error(
          `no console line ${re} within ${timeoutMs} ms:\n${text.split('\n').slice(-20).join('\n')}`,
        );
      }
      await sleep(250);
    }
  };

  return {
    sshPort,
    qmpSocket,
    consoleLog,
    process: child,
    waitConsole,
    kill: async () => {
      if (!exited) child.kill('SIGKILL');
      await exit;
    },
  };
}

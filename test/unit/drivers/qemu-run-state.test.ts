import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { buildQemuArgs } from '../../../electron/core/drivers/qemu/qemu-args.js';
import { resolveQemuBinary } from '../../../electron/core/drivers/qemu/binary.js';
import { freePort, readSshBanner, waitForSshBanner } from '../../../electron/core/drivers/qemu/net.js';
import {
  adoptedState,
  findQemuForDisk,
  isQemuForDisk,
  readState,
  rotateLog,
  sshPortFromCmdline,
  writeState,
  type QemuState,
} from '../../../electron/core/drivers/qemu/run-state.js';
import { resolvePaths, type DlitePaths } from '../../../electron/core/paths.js';

let dir: string;
let paths: DlitePaths;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-qs-'));
  paths = resolvePaths({ DLITE_HOME: dir });
  await mkdir(paths.runDir, { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function realCmdline(disk: DlitePaths): string {
  const args = buildQemuArgs(
    {
      uuid: '5f0c3a9e-6a51-4b8e-9d2c-2b7d3e1f4a60',
      hostname: 'h',
      cpus: 1,
      memoryGiB: 1,
      diskGiB: 1,
      arch: 'amd64',
      kernelPath: '/k',
      initrdPath: '/i',
      cmdline: 'console=ttyS0',
      share: null,
      dockerTcp: true,
    },
    {
      accel: 'kvm',
      sshPort: 41234,
      hostArch: 'x64',
      qmpSocket: 'q',
      disk: disk.disk,
      consoleLog: 'c',
      pidfile: 'p',
    },
  );
  return ['/usr/bin/qemu-system-x86_64', ...args].join(' ');
}

describe('command line checks', () => {
  it('recognizes QEMU for our disk only', () => {
    const cmd = realCmdline(paths);
    expect(isQemuForDisk(cmd, paths.disk)).toBe(true);
    expect(isQemuForDisk(cmd, path.join(dir, 'other.img'))).toBe(false);
    expect(isQemuForDisk(cmd, `${paths.disk}.bak`)).toBe(false);
    expect(isQemuForDisk(`sleep file=${paths.disk},`, paths.disk)).toBe(false);
    const comma = resolvePaths({ DLITE_HOME: '/tmp/a,b' });
    expect(isQemuForDisk(realCmdline(comma), comma.disk)).toBe(true);
  });

  it('reads the ssh port back and rebuilds state for adoption', () => {
    const cmd = realCmdline(paths);
    expect(sshPortFromCmdline(cmd)).toBe(41234);
    expect(sshPortFromCmdline('qemu -netdev user,id=net0,hostfwd=tcp:127.0.0.1:2375-:2375')).toBeNull();
    expect(adoptedState(7, cmd, null)).toMatchObject({
      pid: 7,
      sshPort: 41234,
      accel: 'kvm',
      forwards: [],
      binary: '/usr/bin/qemu-system-x86_64',
    });
    const saved: QemuState = { pid: 7, sshPort: 1, forwards: [], accel: 'tcg', startedAt: 'x', binary: 'b' };
    expect(adoptedState(7, cmd, saved)).toBe(saved);
    expect(adoptedState(8, 'qemu-system-x86_64', { ...saved })).toBeNull();
  });

  it('finds a live process for our disk and skips others and the dead', async () => {
    const decoy = spawn('sleep', ['30', `file=${paths.disk},`], { stdio: 'ignore' });
    try {
      // `sleep` is not qemu-system-*: a reused pid must not pass.
      expect(await findQemuForDisk(paths, [null, undefined, 999_999_999, decoy.pid])).toBeNull();
    } finally {
      decoy.kill('SIGKILL');
    }
  });
});

describe('state file and logs', () => {
  it('round-trips run/qemu.json and ignores garbage', async () => {
    expect(await readState(paths)).toBeNull();
    const s: QemuState = {
      pid: 42,
      sshPort: 40022,
      forwards: [{ hostPort: 8080, guestPort: 80 }],
      accel: 'tcg',
      startedAt: '2024-01-01T00:00:00.000Z',
      binary: '/usr/bin/qemu-system-x86_64',
    };
    await writeState(paths, s);
    expect(await readState(paths)).toEqual(s);
    await writeFile(path.join(paths.runDir, 'qemu.json'), '{"pid":"x"}');
    expect(await readState(paths)).toBeNull();
  });

  it('rotates a non-empty log to .1, keeping one', async () => {
    const log = path.join(dir, 'console.log');
    await rotateLog(log);
    await writeFile(log, 'boot 1\n');
    await rotateLog(log);
    await writeFile(log, '');
    await rotateLog(log);
    expect(await readFile(`${log}.1`, 'utf8')).toBe('boot 1\n');
    await writeFile(log, 'boot 2\n');
    await rotateLog(log);
    expect(await readFile(`${log}.1`, 'utf8')).toBe('boot 2\n');
  });
});

describe('resolveQemuBinary', () => {
  it('finds qemu on PATH, honours DLITE_QEMU and explains what is missing', async () => {
    expect(await resolveQemuBinary('amd64', { PATH: '/nonexistent:/usr/bin' }, 'linux')).toBe(
      '/usr/bin/qemu-system-x86_64',
    );
    const fake = path.join(dir, 'my-qemu');
    await writeFile(fake, '#!/bin/sh\n', { mode: 0o755 });
    expect(await resolveQemuBinary('amd64', { DLITE_QEMU: fake, PATH: '' }, 'linux')).toBe(fake);
    await expect(resolveQemuBinary('amd64', { DLITE_QEMU: path.join(dir, 'nope') }, 'linux')).rejects.toThrow(
      /DLITE_QEMU=.*nope is not an executable/,
    );
    // A folder with x86_64 QEMU only (this machine may have the arm64 one in /usr/bin too).
    const only = path.join(dir, 'bin');
    await mkdir(only);
    await symlink('/usr/bin/qemu-system-x86_64', path.join(only, 'qemu-system-x86_64'));
    await expect(resolveQemuBinary('arm64', { PATH: only }, 'linux')).rejects.toMatchObject({
      code: 'driver-unavailable',
      message:
        'qemu-system-aarch64 was not found on PATH; install QEMU (apt install qemu-system) or set DLITE_QEMU',
    });
    await expect(resolveQemuBinary('arm64', { PATH: '' }, 'darwin')).rejects.toThrow(/brew install qemu/);
  });
});

describe('SSH banner probe', () => {
  function server(onConn: (s: net.Socket) => void): Promise<{ port: number; close(): void }> {
    return new Promise((resolve) => {
      const srv = net.createServer(onConn).listen(0, '127.0.0.1', () => {
        resolve({ port: (srv.address() as net.AddressInfo).port, close: () => srv.close() });
      });
    });
  }

  it('accepts an SSH identification line only', async () => {
    const ok = await server((s) => s.end('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
    const http = await server((s) => s.end('HTTP/1.1 400 Bad Request\r\n'));
    const reset = await server((s) => s.destroy());
    const silent = await server(() => undefined);
    try {
      expect(await readSshBanner('127.0.0.1', ok.port, 2000)).toBe('SSH-2.0-OpenSSH_9.2p1 Debian-2');
      expect(await readSshBanner('127.0.0.1', http.port, 2000)).toBeNull();
      expect(await readSshBanner('127.0.0.1', reset.port, 2000)).toBeNull();
      expect(await readSshBanner('127.0.0.1', silent.port, 200)).toBeNull();
      expect(await readSshBanner('127.0.0.1', await freePort(), 2000)).toBeNull();
    } finally {
      [ok, http, reset, silent].forEach((s) => s.close());
    }
  });

  it('waits until sshd answers, gives up when told, and times out', async () => {
    const port = await freePort();
    let srv: net.Server | null = null;
    setTimeout(() => {
      srv = net.createServer((s) => s.end('SSH-2.0-late\n')).listen(port, '127.0.0.1');
    }, 600);
    try {
      expect(await waitForSshBanner({ host: '127.0.0.1', port, timeoutMs: 10_000 })).toBe('SSH-2.0-late');
    } finally {
      (srv as net.Server | null)?.close();
    }
    const dead = await freePort();
    await expect(
      waitForSshBanner({
        host: '127.0.0.1',
        port: dead,
        timeoutMs: 10_000,
        giveUp: () => Promise.resolve('VM gone'),
      }),
    ).rejects.toThrow('VM gone');
    await expect(waitForSshBanner({ host: '127.0.0.1', port: dead, timeoutMs: 400 })).rejects.toThrow(
      /no SSH banner on 127\.0\.0\.1:\d+ within 400 ms/,
    );
  });
});

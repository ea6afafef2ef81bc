import { mkdtemp, mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildVfkitArgs, type VfkitArgsInput } from '../../../electron/core/drivers/vfkit/vfkit-args.js';
import { kernelProblem } from '../../../electron/core/drivers/vfkit/kernel-check.js';
import { VfkitRest, VfkitRestError, parseVmState } from '../../../electron/core/drivers/vfkit/rest.js';
import { ensureSocketDir, vfkitSockets } from '../../../electron/core/drivers/vfkit/sockets.js';
import { resolvePaths } from '../../../electron/core/paths.js';

const base: VfkitArgsInput = {
  cpus: 2,
  memoryMiB: 2048,
  kernel: '/Users/me/.dlite/os/2.0/Image',
  initrd: '/Users/me/.dlite/os/2.0/rootfs.cpio.zst',
  cmdline: 'console=hvc0 quiet dlite.hostname=local.docker',
  disk: '/Users/me/.dlite/disk.img',
  mac: '02:11:22:33:44:55',
  consoleLog: '/Users/me/.dlite/log/console.log',
  share: { hostPath: '/Users', tag: 'dlite-share' },
  restSocket: '/Users/me/.dlite/run/vfkit.sock',
  dockerPort: { socket: '/Users/me/.dlite/run/docker-port.sock', port: 2375 },
};

describe('buildVfkitArgs', () => {
  it('builds the documented flags (REFERENCE.md 2.1)', () => {
    expect(buildVfkitArgs(base)).toEqual([
      ...['--cpus', '2', '--memory', '2048'],
      '--bootloader',
      'linux,kernel=/Users/me/.dlite/os/2.0/Image,initrd=/Users/me/.dlite/os/2.0/rootfs.cpio.zst,cmdline="console=hvc0 quiet dlite.hostname=local.docker"',
      ...['--device', 'virtio-blk,path=/Users/me/.dlite/disk.img'],
      ...['--device', 'virtio-net,nat,mac=02:11:22:33:44:55'],
      ...['--device', 'virtio-serial,logFilePath=/Users/me/.dlite/log/console.log'],
      ...['--device', 'virtio-rng'],
      ...['--device', 'virtio-fs,sharedDir=/Users,mountTag=dlite-share'],
      ...['--device', 'virtio-vsock,port=2375,socketURL=/Users/me/.dlite/run/docker-port.sock,connect'],
      ...['--restful-uri', 'unix:///Users/me/.dlite/run/vfkit.sock'],
    ]);
  });

  it.each<[string, Partial<VfkitArgsInput>, string]>([
    [
      'paths with spaces',
      { disk: '/Users/Jane Doe/.dlite/disk.img' },
      'virtio-blk,path=/Users/Jane Doe/.dlite/disk.img',
    ],
    [
      'a cmdline with commas (kept inside the quotes)',
      { cmdline: "console=hvc0 a=1,2 b='x'" },
      `cmdline="console=hvc0 a=1,2 b='x'"`,
    ],
    ['no share', { share: null }, 'virtio-rng'],
    ['no Docker port', { dockerPort: null }, 'virtio-rng'],
    ['1 CPU, 1 GiB', { cpus: 1, memoryMiB: 1024 }, '1024'],
    ['an uppercase MAC', { mac: '02:AA:BB:CC:DD:EE' }, 'virtio-net,nat,mac=02:aa:bb:cc:dd:ee'],
  ])('%s', (_name, patch, expected) => {
    const args = buildVfkitArgs({ ...base, ...patch });
    expect(args.filter((a) => a.includes(expected))).toHaveLength(1);
    expect(args.at(-1)).toBe('unix:///Users/me/.dlite/run/vfkit.sock');
  });

  it.each<[string, Partial<VfkitArgsInput>, RegExp]>([
    ['a double quote in the cmdline', { cmdline: 'console=hvc0 a="b"' }, /^cmdline: vfkit cannot pass/],
    ['a comma in the disk path', { disk: '/Users/a,b/disk.img' }, /^disk: vfkit cannot take/],
    ['a comma in the share', { share: { hostPath: '/Users/a,b', tag: 't' } }, /^share:/],
    ['a quote in the kernel path', { kernel: '/a"b' }, /^kernel:/],
    [
      'a REST socket over 103 bytes',
      { restSocket: `/${'x'.repeat(110)}.sock` },
      /^restSocket: the socket path .* bytes; macOS allows 103/,
    ],
    ['a bad MAC', { mac: '02:11:22:33:44' }, /^mac:/],
    ['200 MiB', { memoryMiB: 200 }, /^memory:/],
  ])('refuses %s', (_name, patch, message) => {
    expect(() => buildVfkitArgs({ ...base, ...patch })).toThrow(message);
  });
});

describe('vfkit REST API client', () => {
  let dir: string;
  let server: http.Server;
  const posted: string[] = [];
  let answer = '{"state":"VirtualMachineStateRunning","canStop":true}';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-rest-'));
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url !== '/vm/state') return res.writeHead(404).end();
        if (req.method === 'POST') {
          posted.push(body);
          return res.writeHead(JSON.parse(body).state === 'Pause' ? 500 : 200).end('x');
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
      });
    });
    await new Promise<void>((r) => server.listen(path.join(dir, 'rest.sock'), r));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the state and posts state changes', async () => {
    const rest = new VfkitRest(path.join(dir, 'rest.sock'));
    expect(await rest.state()).toBe('Running');
    expect(await rest.setState('Stop')).toBe('ok');
    expect(posted).toEqual(['{"state":"Stop"}']);
    await expect(rest.setState('Pause')).rejects.toThrow(/HTTP 500/);
    answer = '{"nope":1}';
    await expect(rest.state()).rejects.toBeInstanceOf(VfkitRestError);
  });

  it('answers gone when nothing listens (vfkit exited)', async () => {
    expect(await new VfkitRest(path.join(dir, 'absent.sock')).state()).toBe('gone');
    expect(await new VfkitRest(path.join(dir, 'absent.sock')).setState('HardStop')).toBe('gone');
  });

  it('parses the documented state names', () => {
    expect(parseVmState('{"state":"VirtualMachineStateStopped"}')).toBe('Stopped');
    expect(() => parseVmState('not json')).toThrow(/invalid JSON/);
    expect(() => parseVmState('{"state":"Running"}')).toThrow(/VirtualMachineState/);
  });
});

describe('vfkit sockets', () => {
  it('live in the run folder, which is short enough whatever the home', () => {
    const short = vfkitSockets(resolvePaths({ DLITE_HOME: '/Users/me/.dlite' }));
    expect(short).toEqual({
      rest: '/Users/me/.dlite/run/vfkit.sock',
      dockerPort: '/Users/me/.dlite/run/docker-port.sock',
      dir: '/Users/me/.dlite/run',
    });
    const deep = resolvePaths({ DLITE_HOME: `/Users/me/${'very-long-folder-name/'.repeat(5)}.dlite` });
    const moved = vfkitSockets(deep);
    expect(moved.dir).toBe(deep.runDir);
    expect(moved.dir).toMatch(/^\/tmp\/dlite-\d+\/[0-9a-f]{12}$/);
    for (const p of [moved.rest, moved.dockerPort]) expect(Buffer.byteLength(p)).toBeLessThan(104);
  });

  it('refuses a socket folder that is a symlink or not private', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-sockdir-'));
    try {
      await ensureSocketDir(path.join(dir, 'ok'));
      expect((await stat(path.join(dir, 'ok'))).mode & 0o777).toBe(0o700);
      await mkdir(path.join(dir, 'open'), { mode: 0o755 });
      await expect(ensureSocketDir(path.join(dir, 'open'))).rejects.toThrow(/mode 0700/);
      await symlink(path.join(dir, 'ok'), path.join(dir, 'link'));
      await expect(ensureSocketDir(path.join(dir, 'link'))).rejects.toThrow(/must be a folder/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('kernelProblem', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-kernel-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const kernel = async (name: string, bytes: Buffer): Promise<string> => {
    const f = path.join(dir, name);
    await writeFile(f, bytes);
    return f;
  };

  it('accepts an arm64 Image and an x86 bzImage', async () => {
    const image = Buffer.alloc(1024);
    image.write('ARM\x64', 0x38, 'latin1');
    expect(await kernelProblem(await kernel('Image', image), 'arm64')).toBeNull();
    const bz = Buffer.alloc(1024);
    bz.write('HdrS', 0x202, 'latin1');
    expect(await kernelProblem(await kernel('bzImage', bz), 'amd64')).toBeNull();
  });

  it('refuses compressed and foreign kernels', async () => {
    const gz = Buffer.alloc(1024);
    gz[0] = 0x1f;
    gz[1] = 0x8b;
    expect(await kernelProblem(await kernel('Image.gz', gz), 'arm64')).toMatch(/gzip-compressed/);
    const zboot = Buffer.alloc(1024);
    zboot.write('MZ\0\0zimg', 0, 'latin1');
    expect(await kernelProblem(await kernel('vmlinuz.efi', zboot), 'arm64')).toMatch(/EFI zboot/);
    expect(await kernelProblem(await kernel('zero', Buffer.alloc(1024)), 'arm64')).toMatch(
      /not an arm64 Image/,
    );
    expect(await kernelProblem(path.join(dir, 'missing'), 'amd64')).toMatch(/cannot be read/);
  });
});

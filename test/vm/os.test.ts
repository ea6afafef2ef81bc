/**
 * The guest OS image (build/os) under real QEMU (TCG) with the host's real Docker CLI: boot protocol,
 * persistence, 9p share, key-only SSH, clean power-off. Three boots, one QEMU at a time.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { busyboxRootfsTar } from './helpers/busybox-image.js';
import { b64url, bootVm, guestImage, sparseDisk, type Vm } from './helpers/qemu.js';
import { forwardSocket, generateKey, ssh, type SocketForward, type SshKey } from './helpers/ssh.js';

const UUID = '6b1f3c2e-0d4a-4e8b-9c7d-5a2f1e0b3c4d';
const IMAGE = 'dlite-test/busybox:1';
const READY = /^dlite: docker ready/;
const BOOT_TIMEOUT = 150_000;

let work: string;
let shareDir: string;
let key: SshKey;
let busybox: { tar: string; cleanup(): Promise<void> };
let vm: Vm | undefined;
let forward: SocketForward | undefined;

function params(extra: string[] = [], share = true, dockerTcp = false): string[] {
  return [
    'dlite.hostname=dlite-os-test',
    `dlite.uuid=${UUID}`,
    `dlite.time=${Math.floor(Date.now() / 1000)}`,
    `dlite.docker_tcp=${dockerTcp ? 1 : 0}`,
    `dlite.ssh_key=${b64url(key.publicKey)}`,
    ...(share
      ? ['dlite.share_type=9p', `dlite.share_src=${b64url('share0')}`, `dlite.share_path=${b64url(shareDir)}`]
      : []),
    ...extra,
  ];
}

async function docker(args: string[], input?: string): Promise<string> {
  if (!forward) throw new Error('no docker socket forward');
  const r = await execa('docker', args, {
    env: { DOCKER_HOST: `unix://${forward.localSocket}`, DOCKER_CONFIG: path.join(work, 'docker-config') },
    timeout: 120_000,
    ...(input === undefined ? {} : { input }),
  });
  return String(r.stdout).trim();
}

/** Boots a guest after stopping any previous one (a failed test may have left it running). */
async function boot(opts: Parameters<typeof bootVm>[0]): Promise<Vm> {
  await stopVm();
  vm = await bootVm(opts);
  return vm;
}

async function connectDocker(): Promise<void> {
  if (!vm) throw new Error('no VM');
  forward = await forwardSocket(vm.sshPort, key, path.join(work, 'docker.sock'));
}

async function stopVm(): Promise<void> {
  await forward?.close();
  forward = undefined;
  await vm?.kill();
  vm = undefined;
}

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => hash.update(d))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

function dliteLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('dlite: '));
}

beforeAll(async () => {
  guestImage(); // fails the suite with a clear message when the image is missing
  work = await mkdtemp(path.join(os.tmpdir(), 'dlite-os-'));
  shareDir = path.join(work, 'share');
  await mkdir(shareDir);
  await mkdir(path.join(work, 'docker-config'));
  key = await generateKey(work);
  busybox = await busyboxRootfsTar();
});

afterAll(async () => {
  await stopVm();
  await busybox?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('first boot on a blank 20 GiB sparse disk', () => {
  const disk = (): string => path.join(work, 'disk.img');

  it('reaches a ready Docker engine and reports each milestone', async ({ annotate }) => {
    await sparseDisk(disk(), 20 * 1024 ** 3);
    vm = await boot({
      dir: work,
      disk: disk(),
      cmdline: params([`dlite.dns=${b64url('10.0.2.3,10.0.2.4')}`]),
      share: { hostPath: shareDir, tag: 'share0' },
    });
    const ready = await vm.waitConsole(READY, BOOT_TIMEOUT);
    const lines = dliteLines(await vm.console());
    expect(lines).toContain('dlite: disk formatted');
    expect(lines).toContain('dlite: network up ip=10.0.2.15');
    expect(lines).toContain(`dlite: share mounted ${shareDir}`);
    expect(lines).toContain('dlite: ssh ready');
    expect(lines.filter((l) => /^dlite: (error|skipped)/.test(l))).toEqual([]);
    await annotate(`first boot: docker ready after ${ready.atMs} ms`);
  });

  it('applies the parameters: DHCP host name, resolvers, limits, no TCP listener', async () => {
    if (!vm) throw new Error('no VM');
    const r = await ssh(vm.sshPort, {
      key,
      command: [
        'ps -eo args= | grep [u]dhcpc',
        'cat /etc/resolv.conf',
        'grep "Max open files" /proc/$(cat /var/run/docker.pid)/limits',
        'hostname',
        'sudo -n busybox netstat -ltn | grep -c ":2375 " || true',
      ].join('; '),
    });
    expect(r.stdout).toContain(`hostname:${UUID}`);
    expect(r.stdout).toMatch(/^nameserver 10\.0\.2\.3\nnameserver 10\.0\.2\.4$/m);
    expect(r.stdout).toMatch(/Max open files\s+1048576\s+1048576/);
    expect(r.stdout).toMatch(/^dlite-os-test$/m);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('0');
  });

  it('serves the host docker CLI: info, import from a tarball, run', async () => {
    await connectDocker();
    const info = await docker(['info', '--format', '{{.Driver}} {{.CgroupVersion}} {{.Name}}']);
    expect(info).toBe('overlay2 2 dlite-os-test');
    await docker(['import', busybox.tar, IMAGE]);
    const out = await docker(['run', '--rm', IMAGE, 'echo', 'hello from the dlite guest']);
    expect(out).toBe('hello from the dlite guest');
  });

  it('publishes container ports through iptables', async () => {
    if (!vm) throw new Error('no VM');
    await docker([
      'run',
      '-d',
      '--name',
      'web',
      '-p',
      '8080:80',
      IMAGE,
      'sh',
      '-c',
      'echo served > /www/index.html && httpd -f -p 80 -h /www',
    ]);
    const r = await ssh(vm.sshPort, {
      key,
      command: 'busybox wget -q -O - http://10.0.2.15:8080/index.html',
    });
    expect(r.stdout.trim()).toBe('served');
    await docker(['rm', '-f', 'web']);
    // iptables is our static, non-PIE build (build/os/lib/xtables.sh): an iptables held waiting
    // on the xtables lock maps no shared object. The boot runs with a fixed address layout
    // (etc/inittab); no process is left with it: init, sshd, dockerd and the rest keep a
    // randomised one.
    const p = await ssh(vm.sshPort, {
      key,
      command:
        "sudo sh -c 'readlink /usr/sbin/iptables; iptables -V; ip6tables -w -L -n >/dev/null && echo ip6tables ok; " +
        'flock /run/xtables.lock sleep 4 & sleep 1; iptables -w -L -n >/dev/null & i=$!; sleep 1; ' +
        'grep -c "[.]so" /proc/$i/maps; wait; ' +
        'for d in /proc/[0-9]*; do q=$(cat $d/personality 2>/dev/null) && [ "$q" != 00000000 ] && echo "fixed layout: $(cat $d/comm)"; done; ' +
        "readlink /proc/1/exe; cat /proc/$(cat /var/run/docker.pid)/personality'",
    });
    expect(p.stdout.trim().split('\n')).toEqual([
      'xtables-legacy-multi',
      expect.stringMatching(/^iptables v1\.8\.11 \(legacy\)$/),
      'ip6tables ok',
      '0',
      '/usr/bin/busybox',
      '00000000',
    ]);
  });

  it('lets a container read a host file over the 9p share', async () => {
    const content = `written on the host at ${Date.now()}`;
    await writeFile(path.join(shareDir, 'from-host.txt'), content);
    const out = await docker([
      'run',
      '--rm',
      '-v',
      `${shareDir}:/share`,
      IMAGE,
      'cat',
      '/share/from-host.txt',
    ]);
    expect(out).toBe(content);
  });

  it('mounts / and the share rshared, so binds with rshared and rslave propagation work', async () => {
    if (!vm) throw new Error('no VM');
    const port = vm.sshPort;
    const shared = await ssh(port, {
      key,
      command: `awk '$5 == "/" || $5 == "${shareDir}" { print $5, $7 }' /proc/self/mountinfo`,
    });
    expect(shared.stdout).toMatch(/^\/ shared:\d+$/m);
    expect(shared.stdout).toMatch(new RegExp(`^${shareDir} shared:\\d+$`, 'm'));

    // rshared on the share: a mount made in the container under the bind shows up in the guest.
    await docker([
      'run',
      '-d',
      '--name',
      'prop-shared',
      '--privileged',
      '-v',
      `${shareDir}:/mnt/share:rshared`,
      IMAGE,
      'sh',
      '-c',
      'mkdir -p /mnt/share/sub && mount -t tmpfs tmpfs /mnt/share/sub && echo from-container > /mnt/share/sub/f && sleep 600',
    ]);
    let seen = '';
    for (let i = 0; i < 40 && seen !== 'from-container'; i++) {
      seen = (await ssh(port, { key, command: `cat ${shareDir}/sub/f 2>/dev/null` })).stdout.trim();
    }
    expect(seen).toBe('from-container');
    await docker(['rm', '-f', 'prop-shared']);

    // rslave on a guest directory (the data disk): a mount made later in the guest reaches the container.
    await ssh(port, { key, command: 'mkdir -p /home/docker/prop/sub' });
    await docker([
      'run',
      '-d',
      '--name',
      'prop-slave',
      '-v',
      '/home/docker/prop:/mnt:rslave',
      IMAGE,
      'sleep',
      '600',
    ]);
    const mounted = await ssh(port, {
      key,
      command:
        'sudo mount -t tmpfs tmpfs /home/docker/prop/sub && echo from-guest | sudo tee /home/docker/prop/sub/g',
    });
    expect(mounted.exitCode).toBe(0);
    expect(await docker(['exec', 'prop-slave', 'cat', '/mnt/sub/g'])).toBe('from-guest');
    await docker(['rm', '-f', 'prop-slave']);
    await ssh(port, { key, command: 'sudo umount /home/docker/prop/sub' });
  });

  it('allows key-only SSH for docker: no password, no root', async () => {
    if (!vm) throw new Error('no VM');
    const password = await ssh(vm.sshPort, {
      extra: [
        '-o',
        'PubkeyAuthentication=no',
        '-o',
        'PreferredAuthentications=password,keyboard-interactive',
      ],
      command: 'true',
    });
    expect(password.exitCode).toBe(255);
    expect(password.stderr).toMatch(/Permission denied \(publickey\)/);
    const root = await ssh(vm.sshPort, { user: 'root', key, command: 'true' });
    expect(root.exitCode).toBe(255);
    expect(root.stderr).toMatch(/Permission denied/);
    const shadow = await ssh(vm.sshPort, { key, command: 'sudo -n cut -d: -f1,2 /etc/shadow' });
    expect(shadow.exitCode).toBe(0);
    expect(shadow.stdout).toMatch(/^root:\*$/m);
    expect(shadow.stdout).toMatch(/^docker:\*$/m);
  });

  it('takes daemon.json with SIGHUP and the clock with date -s at run time', async () => {
    if (!vm) throw new Error('no VM');
    const reload = await ssh(vm.sshPort, {
      key,
      input: '{"labels":["dlite-test=reloaded"]}\n',
      command: 'sudo tee /etc/docker/daemon.json >/dev/null && sudo kill -HUP $(cat /var/run/docker.pid)',
    });
    expect(reload.exitCode).toBe(0);
    let labels = '';
    for (let i = 0; i < 50 && !labels.includes('dlite-test=reloaded'); i++) {
      labels = await docker(['info', '--format', '{{.Labels}}']);
    }
    expect(labels).toContain('dlite-test=reloaded');
    const clock = await ssh(vm.sshPort, { key, command: 'sudo date -s @1700000000 >/dev/null && date +%s' });
    expect(Number(clock.stdout.trim())).toBeGreaterThanOrEqual(1_700_000_000);
    expect(Number(clock.stdout.trim())).toBeLessThan(1_700_000_060);
    await ssh(vm.sshPort, { key, command: `sudo date -s @${Math.floor(Date.now() / 1000)}` });
  });

  it('powers off cleanly within 10 s on the ACPI power button', async ({ annotate }) => {
    if (!vm) throw new Error('no VM');
    await forward?.close();
    forward = undefined;
    const t0 = Date.now();
    await vm.powerdown();
    const exit = await vm.exited;
    const ms = Date.now() - t0;
    await annotate(`power-off took ${ms} ms`);
    expect(exit.code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expect(dliteLines(await vm.console())).toContain('dlite: shutdown clean');
    vm = undefined;
  });
});

describe('second boot from the same disk, with garbled parameters', () => {
  it('skips the bad parameters, grows the enlarged disk and still reaches docker ready', async ({
    annotate,
  }) => {
    const garbled = ['dlite.dns=%%%not-base64%%%', 'dlite.hostname=-bad-host-', 'dlite.share_type=smb'];
    const disk = path.join(work, 'disk.img');
    await sparseDisk(disk, 21 * 1024 ** 3);
    vm = await boot({
      dir: work,
      disk,
      cmdline: params(garbled, true, true),
      share: { hostPath: shareDir, tag: 'share0' },
    });
    const ready = await vm.waitConsole(READY, BOOT_TIMEOUT);
    const lines = dliteLines(await vm.console());
    expect(lines).toContain('dlite: disk grown 20480 MiB -> 21504 MiB');
    expect(lines).toContain('dlite: skipped dlite.dns: bad base64url');
    expect(lines).toContain('dlite: skipped dlite.hostname: not an RFC 1123 host name');
    expect(lines).toContain('dlite: skipped dlite.share_type: must be 9p, virtiofs or nfs');
    await annotate(`second boot: docker ready after ${ready.atMs} ms`);
  });

  it('listens on TCP 2375 when asked to, without the 15 s plain-TCP delay', async () => {
    if (!vm) throw new Error('no VM');
    const r = await ssh(vm.sshPort, {
      key,
      command:
        "printf 'GET /_ping HTTP/1.0\\r\\n\\r\\n' | socat -T 10 - TCP:127.0.0.1:2375; echo; " +
        'grep -c "intentionally being slowed down" /var/log/docker.log || true',
    });
    expect(r.stdout).toMatch(/^OK$/m);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('0');
  });

  it('still has the image imported on the first boot', async () => {
    await connectDocker();
    expect(await docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'])).toContain(IMAGE);
    expect(await docker(['run', '--rm', IMAGE, 'echo', 'persisted'])).toBe('persisted');
    await stopVm();
  });
});

describe('a disk that holds another file system', () => {
  it('is reported as foreign, left untouched, and the engine runs without persistence', async () => {
    const foreign = path.join(work, 'foreign.img');
    await sparseDisk(foreign, 256 * 1024 ** 2);
    await execa('mkfs.ext4', ['-q', '-F', '-L', 'not-dlite', foreign]);
    const before = await sha256(foreign);
    vm = await boot({ dir: work, disk: foreign, cmdline: params([], false) });
    await vm.waitConsole(READY, BOOT_TIMEOUT);
    expect(dliteLines(await vm.console())).toContain(
      'dlite: disk foreign: ext4 label=not-dlite (not touched; no persistence)',
    );
    await vm.powerdown();
    expect((await vm.exited).code).toBe(0);
    vm = undefined;
    expect(await sha256(foreign)).toBe(before);
  });
});

import { describe, expect, it } from 'vitest';

import type { VmConfig } from '../../../electron/core/drivers/driver.js';
import {
  buildQemuArgs,
  macFromUuid,
  qemuBinaryFor,
  qemuOptValue,
  type QemuArgsOptions,
} from '../../../electron/core/drivers/qemu/qemu-args.js';
import { resolvePaths } from '../../../electron/core/paths.js';

const paths = resolvePaths({ DLITE_HOME: '/home/u/.dlite' });
const cfg: VmConfig = {
  uuid: 'b5b7e5c6-1f2a-4c3b-9d4e-0123456789ab',
  hostname: 'local.docker',
  cpus: 2,
  memoryGiB: 2,
  diskGiB: 20,
  arch: 'amd64',
  kernelPath: '/os/bzImage',
  initrdPath: '/os/rootfs.cpio.zst',
  cmdline: 'console=ttyS0 dlite.hostname=local.docker',
  share: null,
  dockerTcp: false,
};
const opts: QemuArgsOptions = {
  accel: 'tcg',
  sshPort: 40022,
  hostArch: 'x64',
  qmpSocket: paths.qmpSocket,
  disk: paths.disk,
  consoleLog: paths.consoleLog,
  pidfile: paths.vmPid,
};

/** The value following `flag` each time it occurs. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
}

describe('buildQemuArgs', () => {
  it('builds the full x86_64 TCG command line', () => {
    const mac = macFromUuid(cfg.uuid);
    expect(buildQemuArgs(cfg, opts)).toEqual([
      ...['-name', 'dlite', '-uuid', cfg.uuid],
      ...['-machine', 'q35,vmport=off', '-accel', 'tcg,thread=single,tb-size=64', '-cpu', 'max'],
      ...['-global', 'ICH9-LPC.disable_s3=1', '-global', 'ICH9-LPC.disable_s4=1'],
      ...['-smp', '2,sockets=1,cores=2,threads=1', '-m', '2048'],
      ...['-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot'],
      ...['-kernel', '/os/bzImage', '-initrd', '/os/rootfs.cpio.zst', '-append', cfg.cmdline],
      ...['-drive', 'file=/home/u/.dlite/disk.img,if=virtio,format=raw,discard=unmap,detect-zeroes=unmap'],
      ...['-netdev', 'user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22'],
      ...['-device', `virtio-net-pci,netdev=net0,mac=${mac}`, '-device', 'virtio-rng-pci'],
      ...['-device', 'virtio-balloon-pci,id=balloon0,deflate-on-oom=on,free-page-reporting=on'],
      ...[
        '-chardev',
        'file,id=con0,path=/home/u/.dlite/log/console.log,append=on',
        '-serial',
        'chardev:con0',
      ],
      ...['-chardev', 'socket,id=qmp0,path=/home/u/.dlite/run/qmp.sock,server=on,wait=off'],
      ...['-mon', 'chardev=qmp0,mode=control', '-pidfile', '/home/u/.dlite/run/vm.pid'],
    ]);
  });

  it.each<[string, Partial<VmConfig>, Partial<QemuArgsOptions>, Record<string, string[]>, string[]]>([
    [
      'x86_64 kvm',
      {},
      { accel: 'kvm' },
      { '-accel': ['kvm'], '-cpu': ['host'], '-machine': ['q35,vmport=off'] },
      ['-global'],
    ],
    [
      'x86_64 hvf (Intel Mac)',
      {},
      { accel: 'hvf' },
      { '-accel': ['hvf'], '-cpu': ['host,-pdpe1gb'] },
      ['-global'],
    ],
    [
      'aarch64 hvf',
      { arch: 'arm64', cmdline: 'console=hvc0' },
      { accel: 'hvf', hostArch: 'arm64' },
      { '-machine': ['virt'], '-accel': ['hvf'], '-cpu': ['host'] },
      ['-global'],
    ],
    [
      'aarch64 tcg on x64',
      { arch: 'arm64', cmdline: 'console=hvc0' },
      { accel: 'tcg' },
      {
        '-machine': ['virt'],
        '-accel': ['tcg,thread=multi,tb-size=512'],
        '-cpu': ['max,pauth-impdef=on'],
      },
      ['-global'],
    ],
    [
      'with 9p share',
      { share: { hostPath: '/Users/me', tag: 'dlite-share' } },
      {},
      { '-virtfs': ['local,path=/Users/me,mount_tag=dlite-share,security_model=none'] },
      [],
    ],
    [
      'share path with a comma',
      { share: { hostPath: '/Users/a,b', tag: 'dlite-share' } },
      {},
      { '-virtfs': ['local,path=/Users/a,,b,mount_tag=dlite-share,security_model=none'] },
      [],
    ],
    [
      'docker tcp',
      { dockerTcp: true },
      {},
      { '-netdev': ['user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=tcp:127.0.0.1:2375-:2375'] },
      ['-virtfs'],
    ],
    [
      'extra forwards',
      { memoryGiB: 1.5, cpus: 1 },
      { extraForwards: [{ hostPort: 8080, guestPort: 80 }] },
      {
        '-netdev': ['user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=tcp:127.0.0.1:8080-:80'],
        '-m': ['1536'],
        '-smp': ['1,sockets=1,cores=1,threads=1'],
      },
      ['-virtfs'],
    ],
  ])('%s', (_name, cfgPatch, optsPatch, expected, absent) => {
    const args = buildQemuArgs({ ...cfg, ...cfgPatch }, { ...opts, ...optsPatch });
    for (const [flag, vals] of Object.entries(expected)) expect(values(args, flag)).toEqual(vals);
    for (const flag of absent) expect(args).not.toContain(flag);
    expect(values(args, '-netdev')[0]).not.toMatch(/0\.0\.0\.0|hostfwd=tcp::/);
  });

  it('adds the Docker port (virtio-serial io.dlite.docker on a unix socket) only when asked', () => {
    const args = buildQemuArgs(cfg, { ...opts, dockerPortSocket: paths.dockerPortSocket });
    expect(values(args, '-chardev')).toContain(
      'socket,id=dport0,path=/home/u/.dlite/run/docker-port.sock,server=on,wait=off',
    );
    expect(values(args, '-device')).toEqual(
      expect.arrayContaining([
        'virtio-serial-pci,id=vser0',
        'virtserialport,bus=vser0.0,chardev=dport0,name=io.dlite.docker',
      ]),
    );
    expect(buildQemuArgs(cfg, opts).join(' ')).not.toMatch(/virtio-serial|dport0/);
  });

  it.each<[string, Partial<VmConfig>, string[], string[]]>([
    ['x86 UART for ttyS0', {}, ['-serial', 'chardev:con0'], ['virtconsole,bus=vcon0.0,chardev=con0']],
    [
      'virt PL011 for ttyAMA0',
      { arch: 'arm64', cmdline: 'console=ttyAMA0 quiet' },
      ['-serial', 'chardev:con0'],
      ['virtconsole,bus=vcon0.0,chardev=con0'],
    ],
    [
      'a virtio console for hvc0 on arm64 (as vfkit gives)',
      { arch: 'arm64', cmdline: 'quiet console=hvc0' },
      ['-device', 'virtio-serial-pci,id=vcon0', '-device', 'virtconsole,bus=vcon0.0,chardev=con0'],
      ['-serial'],
    ],
    [
      'a virtio console for hvc0 on x86',
      { cmdline: 'console=hvc0' },
      ['virtconsole,bus=vcon0.0,chardev=con0'],
      ['-serial'],
    ],
  ])('gives the console device the command line names: %s', (_name, cfgPatch, present, absent) => {
    const args = buildQemuArgs({ ...cfg, ...cfgPatch }, opts);
    expect(values(args, '-chardev')[0]).toBe('file,id=con0,path=/home/u/.dlite/log/console.log,append=on');
    const joined = args.join('\n');
    expect(joined).toContain(present.join('\n'));
    for (const a of absent) expect(args).not.toContain(a);
  });

  it('shares over virtiofs with a shared memfd, on a root port it can be unplugged from', () => {
    const share = { hostPath: '/home/me/a,b', tag: 'dlite-share' };
    const args = buildQemuArgs({ ...cfg, share }, { ...opts, virtiofsSocket: paths.virtiofsSocket });
    expect(values(args, '-machine')).toEqual(['q35,vmport=off,memory-backend=mem']);
    expect(values(args, '-object')).toEqual(['memory-backend-memfd,id=mem,size=2048M,share=on']);
    expect(values(args, '-chardev')).toContain('socket,id=dlite-vfs,path=/home/u/.dlite/run/virtiofs.sock');
    expect(values(args, '-device')).toEqual(
      expect.arrayContaining([
        'pcie-root-port,id=dlite-rp0,chassis=1',
        'vhost-user-fs-pci,id=dlite-fs,bus=dlite-rp0,chardev=dlite-vfs,tag=dlite-share',
      ]),
    );
    expect(args).not.toContain('-virtfs');
    // Restoring: the device was unplugged before the save; only its slot is there.
    const restore = buildQemuArgs(
      { ...cfg, share },
      {
        ...opts,
        virtiofsSocket: paths.virtiofsSocket,
        virtiofsUnplugged: true,
        incomingCommand: "'/usr/bin/zstd' -dcq '/s/it'\\''s.state'",
      },
    );
    expect(values(restore, '-device')).toContain('pcie-root-port,id=dlite-rp0,chassis=1');
    expect(restore.join(' ')).not.toMatch(/vhost-user-fs|dlite-vfs/);
    expect(values(restore, '-object')).toEqual(['memory-backend-memfd,id=mem,size=2048M,share=on']);
    expect(values(restore, '-incoming')).toEqual([`exec:'/usr/bin/zstd' -dcq '/s/it'\\''s.state'`]);
    // Without a share there is nothing to serve: plain RAM, no root port.
    const none = buildQemuArgs(cfg, { ...opts, virtiofsSocket: paths.virtiofsSocket });
    expect(none.join(' ')).not.toMatch(/memfd|pcie-root-port|vhost-user/);
  });

  it('escapes commas in every option-string path', () => {
    const p = resolvePaths({ DLITE_HOME: '/tmp/a,b' });
    const args = buildQemuArgs(cfg, {
      ...opts,
      qmpSocket: p.qmpSocket,
      disk: p.disk,
      consoleLog: p.consoleLog,
      pidfile: p.vmPid,
      dockerPortSocket: p.dockerPortSocket,
    });
    expect(values(args, '-drive')[0]).toBe(
      'file=/tmp/a,,b/disk.img,if=virtio,format=raw,discard=unmap,detect-zeroes=unmap',
    );
    expect(values(args, '-chardev')).toEqual([
      'file,id=con0,path=/tmp/a,,b/log/console.log,append=on',
      'socket,id=dport0,path=/tmp/a,,b/run/docker-port.sock,server=on,wait=off',
      'socket,id=qmp0,path=/tmp/a,,b/run/qmp.sock,server=on,wait=off',
    ]);
    expect(values(args, '-pidfile')).toEqual(['/tmp/a,b/run/vm.pid']);
  });

  it.each<[string, Partial<VmConfig>, Partial<QemuArgsOptions>, RegExp]>([
    [
      'hvf for a foreign arch',
      { arch: 'arm64' },
      { accel: 'hvf', hostArch: 'x64' },
      /hvf cannot run an arm64 guest/,
    ],
    ['kvm for amd64 on arm64', {}, { accel: 'kvm', hostArch: 'arm64' }, /kvm cannot run/],
    [
      'a PC UART console on arm64',
      { arch: 'arm64', cmdline: 'console=ttyS0' },
      {},
      /console=ttyS0 in the kernel command line has no device on an arm64 guest \(use ttyAMA0 or hvc0\)/,
    ],
    ['a PL011 console on x86', { cmdline: 'console=ttyAMA0' }, {}, /console=ttyAMA0 .* amd64 guest/],
    ['no console at all', { cmdline: 'quiet dlite.hostname=x' }, {}, /console=\(none\)/],
    ['zero cpus', { cpus: 0 }, {}, /cpus/],
    ['tiny memory', { memoryGiB: 0.01 }, {}, /memoryGiB/],
    ['bad ssh port', {}, { sshPort: 70000 }, /sshPort/],
    [
      'duplicate host port',
      { dockerTcp: true },
      { extraForwards: [{ hostPort: 2375, guestPort: 1 }] },
      /2375.*twice/,
    ],
  ])('rejects %s', (_name, cfgPatch, optsPatch, message) => {
    expect(() => buildQemuArgs({ ...cfg, ...cfgPatch }, { ...opts, ...optsPatch })).toThrow(message);
  });
});

describe('helpers', () => {
  it('derives a stable, locally administered unicast MAC from the uuid', () => {
    const mac = macFromUuid(cfg.uuid);
    expect(mac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(macFromUuid(cfg.uuid.toUpperCase())).toBe(mac);
    expect(macFromUuid('00000000-0000-0000-0000-000000000000')).not.toBe(mac);
    const first = parseInt(mac.slice(0, 2), 16);
    expect(first & 0b10).toBe(0b10);
    expect(first & 0b1).toBe(0);
  });

  it('names the binary per arch and doubles commas', () => {
    expect(qemuBinaryFor('amd64')).toBe('qemu-system-x86_64');
    expect(qemuBinaryFor('arm64')).toBe('qemu-system-aarch64');
    expect(qemuOptValue('a,b,,c')).toBe('a,,b,,,,c');
  });
});

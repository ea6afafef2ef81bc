import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildXhyveArgs, type XhyveArgsInput } from '../../../electron/core/drivers/xhyve/xhyve-args.js';
import { interpretXhyveExit, type XhyveExit } from '../../../electron/core/drivers/xhyve/exit.js';
import { renderXhyveLauncher, renderXhyveSudoers } from '../../../electron/core/drivers/xhyve/launcher.js';

const UUID = '5f0c3a9e-6a51-4b8e-9d2c-2b7d3e1f4a60';
const base: XhyveArgsInput = {
  cpus: 2,
  memoryGiB: 4,
  uuid: UUID,
  disk: '/Users/me/.dlite/disk.img',
  kernel: '/Users/me/.dlite/os/2.0/bzImage',
  initrd: '/Users/me/.dlite/os/2.0/rootfs.cpio.zst',
  cmdline: 'console=ttyS0 quiet dlite.hostname=local.docker',
};

describe('buildXhyveArgs', () => {
  it('builds the documented command line (REFERENCE.md 1.1) with the cmdline as one argument', () => {
    expect(buildXhyveArgs(base)).toEqual([
      ...['-A', '-H', '-P', '-u', '-c', '2', '-m', '4G'],
      ...['-s', '0:0,hostbridge', '-s', '31,lpc', '-l', 'com1,stdio'],
      ...['-s', '2:0,virtio-net', '-s', '4,virtio-blk,/Users/me/.dlite/disk.img', '-s', '5,virtio-rnd'],
      ...['-U', UUID],
      '-f',
      'kexec,/Users/me/.dlite/os/2.0/bzImage,/Users/me/.dlite/os/2.0/rootfs.cpio.zst,console=ttyS0 quiet dlite.hostname=local.docker',
    ]);
  });

  it.each<[string, Partial<XhyveArgsInput>, string]>([
    [
      'paths with spaces',
      { disk: '/Users/Jane Doe/My Dlite/disk.img' },
      '4,virtio-blk,/Users/Jane Doe/My Dlite/disk.img',
    ],
    ['a cmdline with quotes and commas', { cmdline: 'console=ttyS0 a="x y",b c,d' }, 'kexec,'],
    ['1 CPU, 1 GiB', { cpus: 1, memoryGiB: 1 }, '1G'],
    ['16 CPUs', { cpus: 16 }, '16'],
  ])('%s', (_name, patch, expected) => {
    const args = buildXhyveArgs({ ...base, ...patch });
    expect(args.some((a) => a.includes(expected))).toBe(true);
    expect(args.length).toBe(buildXhyveArgs(base).length);
    const f = args.at(-1)!;
    expect(f.endsWith(patch.cmdline ?? base.cmdline)).toBe(true);
  });

  it.each<[string, Partial<XhyveArgsInput>, RegExp]>([
    ['a comma in the disk path', { disk: '/Users/a,b/disk.img' }, /^disk: xhyve cannot take the path/],
    ['a comma in the kernel path', { kernel: '/k,1' }, /^kernel:/],
    ['a newline in the cmdline', { cmdline: 'a\nb' }, /^cmdline:/],
    ['17 CPUs', { cpus: 17 }, /^cpus: xhyve takes 1 to 16/],
    ['0 GiB', { memoryGiB: 0 }, /^memory:/],
    ['a bad uuid', { uuid: 'not-a-uuid' }, /^uuid:/],
  ])('refuses %s', (_name, patch, message) => {
    expect(() => buildXhyveArgs({ ...base, ...patch })).toThrow(message);
  });
});

describe('interpretXhyveExit', () => {
  const exit = (e: Partial<XhyveExit>): XhyveExit => ({
    code: 1,
    signal: null,
    uptimeMs: 60_000,
    stderr: [],
    stopRequested: false,
    ...e,
  });

  it.each<[string, Partial<XhyveExit>, boolean, RegExp]>([
    ['exit 1 after a requested stop', { stopRequested: true, uptimeMs: 3000 }, true, /powered off/],
    ['exit 1 after a long run (guest poweroff)', {}, true, /powered off/],
    [
      'exit 1 at once with vmnet refused',
      {
        uptimeMs: 300,
        stderr: ['vmnet: Could not create vmnet interface, permission denied or no entitlement?'],
      },
      false,
      /xhyve failed: vmnet: Could not create vmnet interface/,
    ],
    ['exit 1 early and silent', { uptimeMs: 2000 }, false, /exited 1 after 2\.0 s without printing why/],
    ['exit 1 late but with an error', { stderr: ['vm_run error 5'] }, false, /xhyve failed: vm_run error 5/],
    ['exit 0 (guest reset)', { code: 0 }, false, /rebooted/],
    ['exit 2 (halt) when asked', { code: 2, stopRequested: true }, true, /halted/],
    ['exit 3 (triple fault)', { code: 3 }, false, /triple-faulted/],
    [
      'exit 64 (launcher refusal)',
      { code: 64, stderr: ['xhyve-launch: not a uuid'] },
      false,
      /refused its arguments: xhyve-launch: not a uuid/,
    ],
    ['killed', { code: null, signal: 'SIGKILL' }, false, /killed by SIGKILL/],
    ['exit 137', { code: 137 }, false, /signal 9/],
  ])('%s', (_name, e, clean, reason) => {
    const m = interpretXhyveExit(exit(e));
    expect(m.clean).toBe(clean);
    expect(m.reason).toMatch(reason);
  });
});

describe('the root launcher script', () => {
  let dir: string;
  let launcher: string;
  let fakeXhyve: string;
  let record: string;
  const good = ['run', UUID, '2', '4', 'console=ttyS0 quiet panic=1 dlite.uuid=abc dlite.ssh_key=c3NoLWVk_-'];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-launcher-'));
    fakeXhyve = path.join(dir, 'xhyve');
    record = path.join(dir, 'record');
    await writeFile(
      fakeXhyve,
      `#!/bin/sh\nprintf '%s\\n' "$@" > ${record}\ncat /dev/fd/3 >> ${record}\nfor a; do last=$a; done\n[ "$last" = -M ] || exit 1\necho "MAC: 2:54:0:a:b:c"\n`,
    );
    await chmod(fakeXhyve, 0o755);
    launcher = path.join(dir, 'launch');
    await writeFile(launcher, renderXhyveLauncher(fakeXhyve));
    await chmod(launcher, 0o755);
    await writeFile(path.join(dir, 'disk'), 'DISK\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const runLauncher = (args: string[], fds = 3) => {
    const disk = path.join(dir, 'disk');
    const redirs = [3, 4, 5]
      .slice(0, fds)
      .map((n) => `${n}<'${disk}'`)
      .join(' ');
    return spawnSync('sh', ['-c', `rm -f '${record}'; '${launcher}' "$@" ${redirs}`, 'sh', ...args], {
      encoding: 'utf8',
    });
  };

  it('passes the builder layout with /dev/fd paths and exits with xhyve', async () => {
    const r = runLauncher(good);
    expect(r.status).toBe(1);
    const { readFile } = await import('node:fs/promises');
    const argv = (await readFile(record, 'utf8')).trim().split('\n');
    expect(argv.slice(0, -1)).toEqual(
      buildXhyveArgs({
        ...base,
        memoryGiB: 4,
        disk: '/dev/fd/3',
        kernel: '/dev/fd/4',
        initrd: '/dev/fd/5',
        cmdline: good[4]!,
      }),
    );
    expect(argv.at(-1)).toBe('DISK');
  });

  it('mac mode appends -M', () => {
    const r = runLauncher(['mac', ...good.slice(1)]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('MAC: 2:54:0:a:b:c');
  });

  it.each<[string, string[]]>([
    ['an unknown mode', ['exec', ...good.slice(1)]],
    ['a uuid with a command', ['run', `${UUID};id`, '2', '4', good[4]!]],
    ['17 CPUs', ['run', UUID, '17', '4', good[4]!]],
    ['CPUs as an expression', ['run', UUID, '$(id)', '4', good[4]!]],
    ['memory with a unit', ['run', UUID, '2', '4G', good[4]!]],
    ['huge memory', ['run', UUID, '2', '99999', good[4]!]],
    ['a cmdline with $(…)', ['run', UUID, '2', '4', 'console=ttyS0 dlite.x=$(id)']],
    ['a cmdline with ;', ['run', UUID, '2', '4', 'console=ttyS0;id']],
    [
      'a cmdline with a comma (an extra -f field)',
      ['run', UUID, '2', '4', 'console=ttyS0,/etc/master.passwd'],
    ],
    ['a cmdline with a newline', ['run', UUID, '2', '4', 'console=ttyS0\ninit=/bin/sh']],
    ['a foreign kernel parameter', ['run', UUID, '2', '4', 'console=ttyS0 init=/bin/sh']],
    ['a path as a parameter', ['run', UUID, '2', '4', '../../etc/passwd']],
    ['too few arguments', ['run', UUID, '2', '4']],
  ])('refuses %s with exit 64 and never runs xhyve', async (_name, args) => {
    const r = runLauncher(args);
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/^xhyve-launch: /);
    const { access } = await import('node:fs/promises');
    await expect(access(record)).rejects.toThrow();
  });

  it('refuses when the file descriptors are not open', () => {
    const r = runLauncher(good, 1);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('file descriptor 4 is not open');
  });

  it('renders a sudoers rule for one user and the launcher only', () => {
    const text = renderXhyveSudoers('jane', '/Library/PrivilegedHelperTools/io.dlite.xhyve-launch');
    expect(text).toContain(
      'jane ALL=(root) NOPASSWD: /Library/PrivilegedHelperTools/io.dlite.xhyve-launch\n',
    );
    expect(text).toContain('Defaults!/Library/PrivilegedHelperTools/io.dlite.xhyve-launch closefrom=6');
    expect(() => renderXhyveSudoers('jane ALL=(ALL) ALL')).toThrow(/not a user name/);
    expect(() => renderXhyveLauncher('/tmp/x y')).toThrow(/not a plain absolute path/);
  });
});

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmod,
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { renderXhyveLauncher } from '../../../electron/core/drivers/xhyve/launcher.js';
import { encodeBatch } from '../../../electron/core/privileged/helper.js';
import { bundleHelper } from './helper-build.js';

/*
 * The privileged helper, bundled with a temporary root (the one thing only a test build can set)
 * and run as root here. Its fixed commands live under that root too: sbin/nfsd is a script that
 * logs its calls and refuses an exports file holding "BROKEN"; usr/sbin/visudo is the real one.
 */

const UUID = '5f0c3a9e-6a51-4b8e-9d2c-2b7d3e1f4a60';
const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/system-files');
let dir: string;
let root: string;
let helper: string;

async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const st = await lstat(p);
      if (e.isDirectory()) await walk(p);
      else if (e.isSymbolicLink()) out[p] = `link ${await readlink(p)}`;
      else if (e.isFile()) {
        out[p] = `${st.mode.toString(8)} ${st.mtimeMs} ${createHash('sha256')
          .update(await readFile(p))
          .digest('hex')}`;
      } else out[p] = 'other';
    }
  };
  await walk(root);
  return out;
}

function helperRun(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [helper, ...args], {
    encoding: 'utf8',
    // Whatever the caller's environment says, the helper's root is the one it was bundled with.
    env: {
      ...process.env,
      DLITE_HOME: '/tmp/elsewhere',
      DLITE_HELPER_ROOT: '/tmp/elsewhere',
      PATH: '/nonexistent',
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const hosts = () => readFile(path.join(root, 'etc/hosts'), 'utf8');
const exportsText = () => readFile(path.join(root, 'etc/exports'), 'utf8');

beforeAll(async () => {
  expect(process.getuid?.()).toBe(0);
  dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-helper-'));
  root = path.join(dir, 'root');
  helper = await bundleHelper(path.join(dir, 'dlite-helper.mjs'), root);
});

beforeEach(async () => {
  await rm(root, { recursive: true, force: true });
  await mkdir(path.join(root, 'etc/sudoers.d'), { recursive: true, mode: 0o755 });
  await mkdir(path.join(root, 'sbin'), { recursive: true });
  await mkdir(path.join(root, 'usr/sbin'), { recursive: true });
  await mkdir(path.join(root, 'var/run'), { recursive: true });
  await copyFile(path.join(FIXTURES, 'hosts-macos'), path.join(root, 'etc/hosts'));
  await chmod(path.join(root, 'etc/hosts'), 0o644);
  const nfsd = path.join(root, 'sbin/nfsd');
  await writeFile(
    nfsd,
    `#!/bin/sh\necho "$*" >> '${root}/nfsd.calls'\n[ "$1" = checkexports ] && grep -q BROKEN '${root}/etc/exports' && { echo "exports:2: bad option" >&2; exit 1; }\nexit 0\n`,
  );
  await chmod(nfsd, 0o755);
  await symlink('/usr/sbin/visudo', path.join(root, 'usr/sbin/visudo'));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('dlite-helper: hosts', () => {
  it('sets, updates and removes the fenced block; removal gives back the original bytes', async () => {
    const original = await hosts();
    const set = helperRun(['hosts-set', UUID, 'local.docker', '127.0.0.1']);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({
      op: 'hosts-set',
      ok: true,
      message: '/etc/hosts: 127.0.0.1 local.docker',
    });
    expect(await hosts()).toBe(
      `${original}# BEGIN dlite ${UUID}\n127.0.0.1 local.docker\n# END dlite ${UUID}\n`,
    );
    expect(await readFile(path.join(root, 'etc/hosts.dlite-backup'), 'utf8')).toBe(original);
    expect((await lstat(path.join(root, 'etc/hosts'))).mode & 0o777).toBe(0o644);
    expect(JSON.parse(helperRun(['hosts-set', UUID, 'local.docker', '127.0.0.1']).stdout).message).toMatch(
      /already/,
    );
    helperRun(['hosts-set', UUID, 'local.docker', '192.168.64.5']);
    expect(await hosts()).toContain('\n192.168.64.5 local.docker\n');
    expect(helperRun(['hosts-remove', UUID]).code).toBe(0);
    expect(await hosts()).toBe(original);
  });

  it('refuses a hosts file that is not a regular file, touching nothing', async () => {
    await rm(path.join(root, 'etc/hosts'));
    await writeFile(path.join(root, 'etc/real-hosts'), '127.0.0.1 localhost\n');
    await symlink(path.join(root, 'etc/real-hosts'), path.join(root, 'etc/hosts'));
    const before = await snapshot();
    const r = helperRun(['hosts-set', UUID, 'local.docker', '127.0.0.1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not a regular file (a symlink); Dlite leaves it alone');
    expect(await snapshot()).toEqual(before);
  });
});

describe('dlite-helper: hostile arguments are refused before anything is touched', () => {
  const cases: [string, string[]][] = [
    ['a newline in the host name', ['hosts-set', UUID, 'local.docker\n1.2.3.4 bank.example', '127.0.0.1']],
    ['a ; in the host name', ['hosts-set', UUID, 'local.docker;reboot', '127.0.0.1']],
    ['$(…) in the ip', ['hosts-set', UUID, 'local.docker', '$(id)']],
    ['an ip with a leading zero', ['hosts-set', UUID, 'local.docker', '127.0.0.01']],
    ['../ in the uuid', ['hosts-remove', '../../etc/passwd']],
    ['an overlong host name', ['hosts-set', UUID, `${'a'.repeat(63)}.`.repeat(5) + 'docker', '127.0.0.1']],
    ['an overlong label', ['hosts-set', UUID, `${'a'.repeat(64)}.docker`, '127.0.0.1']],
    [
      '../ in the share',
      ['exports-set', UUID, '/Users/../etc', '192.168.64.0', '255.255.255.0', '501', '20'],
    ],
    ['a relative share', ['exports-set', UUID, 'Users', '192.168.64.0', '255.255.255.0', '501', '20']],
    [
      'a quote in the share',
      ['exports-set', UUID, '/Users/a" 0.0.0.0 -maproot=0', '192.168.64.0', '255.255.255.0', '501', '20'],
    ],
    [
      'a newline in the share',
      ['exports-set', UUID, '/Users\n/ -maproot=0', '192.168.64.0', '255.255.255.0', '501', '20'],
    ],
    [
      'an overlong share',
      ['exports-set', UUID, `/${'x'.repeat(2000)}`, '192.168.64.0', '255.255.255.0', '501', '20'],
    ],
    ['uid 0 (root) for -mapall', ['exports-set', UUID, '/Users', '192.168.64.0', '255.255.255.0', '0', '0']],
    ['a bad netmask', ['exports-set', UUID, '/Users', '192.168.64.0', '255.0.255.0', '501', '20']],
    ['a link target that is not a docker.sock', ['docker-sock-link', '/etc/shadow']],
    ['a link target with ..', ['docker-sock-link', '/home/me/../../etc/docker.sock']],
    ['a sudoers user with spaces', ['xhyve-install', '/usr/bin/true', 'me ALL=(ALL) NOPASSWD: ALL']],
    ['an unknown operation', ['write-file', '/etc/passwd', 'x']],
    ['an extra argument', ['hosts-remove', UUID, '/etc/passwd']],
    ['a missing argument', ['hosts-set', UUID, 'local.docker']],
    ['no operation', []],
    [
      'a batch with one bad call among good ones',
      [
        'batch',
        encodeBatch([
          ['hosts-set', UUID, 'local.docker', '127.0.0.1'],
          ['hosts-set', UUID, 'x;y', '127.0.0.1'],
        ]),
      ],
    ],
    ['a batch that is not base64url', ['batch', '$(reboot)']],
    ['a batch of non-strings', ['batch', Buffer.from('[["hosts-remove", 1]]').toString('base64url')]],
  ];

  it.each(cases)('%s', async (_name, args) => {
    await writeFile(path.join(root, 'etc/exports'), '/Volumes/Data -ro 10.0.0.2\n');
    const before = await snapshot();
    const r = helperRun(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^dlite-helper: .*; nothing was changed\n$/);
    expect(await snapshot()).toEqual(before);
  });
});

describe('dlite-helper: exports and nfsd', () => {
  const set = ['exports-set', UUID, '/Users/Jane Doe', '192.168.64.0', '255.255.255.0', '501', '20'];

  it('adds the block, checks it with nfsd before updating, and removes it again', async () => {
    const r = helperRun(set);
    expect(r.code).toBe(0);
    expect(await exportsText()).toBe(
      `# BEGIN dlite ${UUID}\n"/Users/Jane Doe" -alldirs -mapall=501:20 -network 192.168.64.0 -mask 255.255.255.0\n# END dlite ${UUID}\n`,
    );
    expect(await readFile(path.join(root, 'nfsd.calls'), 'utf8')).toBe('checkexports\nupdate\n');
    expect(helperRun(set).stdout).toContain('already exports');
    expect(helperRun(['exports-remove', UUID]).code).toBe(0);
    expect(await exportsText()).toBe('');
  });

  it('rolls back when nfsd checkexports refuses the result', async () => {
    const original = '/Volumes/BROKEN -ro 10.0.0.2\n';
    await writeFile(path.join(root, 'etc/exports'), original);
    const r = helperRun(set);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'nfsd checkexports refused the new /etc/exports; it was restored: nfsd checkexports: exports:2: bad option',
    );
    expect(await exportsText()).toBe(original);
    expect(await readFile(path.join(root, 'nfsd.calls'), 'utf8')).toBe('checkexports\n');
  });

  it("names another tool's conflicting export instead of breaking it", async () => {
    const theirs = await readFile(path.join(FIXTURES, 'exports-conflict'), 'utf8');
    await writeFile(path.join(root, 'etc/exports'), theirs);
    const r = helperRun(['exports-set', UUID, '/Users', '192.168.64.0', '255.255.255.0', '501', '20']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      '/etc/exports line 2 also exports /Users: /Users 192.168.99.100 -alldirs -mapall=501:20',
    );
    expect(await exportsText()).toBe(theirs);
  });
});

describe('dlite-helper: the /var/run/docker.sock link', () => {
  const target = '/home/me/.dlite/run/docker.sock';
  const link = () => path.join(root, 'var/run/docker.sock');

  it('creates it, keeps it, and removes only its own link', async () => {
    expect(helperRun(['docker-sock-link', target]).code).toBe(0);
    expect(await readlink(link())).toBe(target);
    expect(JSON.parse(helperRun(['docker-sock-link', target]).stdout).message).toMatch(/already/);
    expect(JSON.parse(helperRun(['docker-sock-unlink', '/other/docker.sock']).stdout).message).toMatch(
      /not ours/,
    );
    expect(await readlink(link())).toBe(target);
    expect(helperRun(['docker-sock-unlink', target]).code).toBe(0);
    await expect(lstat(link())).rejects.toThrow();
  });

  it('leaves a real socket or a live link of another program alone', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(link(), r));
    try {
      const r = helperRun(['docker-sock-link', target]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        '/var/run/docker.sock is a socket or file of another program; Dlite leaves it alone',
      );
      expect((await lstat(link())).isSocket()).toBe(true);
    } finally {
      await new Promise((r) => server.close(r));
    }
    await writeFile(path.join(dir, 'docker.sock'), '');
    await symlink(path.join(dir, 'docker.sock'), link());
    expect(helperRun(['docker-sock-link', target]).stderr).toContain(
      `links to ${path.join(dir, 'docker.sock')}`,
    );
    await rm(link());
    await symlink('/gone/docker.sock', link());
    expect(helperRun(['docker-sock-link', target]).code).toBe(0);
    expect(await readlink(link())).toBe(target);
  });
});

describe('dlite-helper: the xhyve root set-up', () => {
  it('installs a root-owned copy, the launcher and a visudo-checked rule for one user', async () => {
    const source = path.join(dir, 'xhyve-build');
    await writeFile(source, '#!/bin/sh\necho fake xhyve\n');
    await chmod(source, 0o755);
    const r = helperRun(['xhyve-install', source, 'jane']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const pht = path.join(root, 'Library/PrivilegedHelperTools');
    const bin = await lstat(path.join(pht, 'io.dlite.xhyve'));
    expect([bin.uid, bin.mode & 0o7777]).toEqual([0, 0o755]);
    expect(await readFile(path.join(pht, 'io.dlite.xhyve'), 'utf8')).toBe('#!/bin/sh\necho fake xhyve\n');
    expect(await readFile(path.join(pht, 'io.dlite.xhyve-launch'), 'utf8')).toBe(
      renderXhyveLauncher('/Library/PrivilegedHelperTools/io.dlite.xhyve'),
    );
    const sudoers = path.join(root, 'etc/sudoers.d/io.dlite.xhyve');
    expect((await lstat(sudoers)).mode & 0o777).toBe(0o440);
    expect(await readFile(sudoers, 'utf8')).toContain(
      'jane ALL=(root) NOPASSWD: /Library/PrivilegedHelperTools/io.dlite.xhyve-launch',
    );
    expect(helperRun(['xhyve-uninstall']).code).toBe(0);
    await expect(lstat(sudoers)).rejects.toThrow();
  });

  it('refuses to copy a file not everyone may read (it would disclose it)', async () => {
    const secret = path.join(dir, 'secret');
    await writeFile(secret, 'secret');
    await chmod(secret, 0o700);
    const before = await snapshot();
    const r = helperRun(['xhyve-install', secret, 'jane']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('must be an executable file everyone may read');
    expect(await snapshot()).toEqual(before);
  });
});

describe('the production bundle', () => {
  it('reads no environment variable and has / as its only root', async () => {
    const prod = await bundleHelper(path.join(dir, 'prod.mjs'), '/');
    const text = await readFile(prod, 'utf8');
    expect(text).not.toMatch(/process\.env/);
    expect(text).toMatch(/var root = true \? "\/" : "\/";/);
  });
});

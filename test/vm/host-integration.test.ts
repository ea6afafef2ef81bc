import { existsSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { busyboxRootfsTar } from './helpers/busybox-image.js';
import { REPO, dlite, pidsMatching, runProcess, type CliRun } from './helpers/cli.js';
import { freePort } from './helpers/qemu.js';

/*
 * Host integration on Linux, for real: the one place the test suite touches the machine's own
 * /etc/hosts (restored byte for byte afterwards). As root, `dlite start` needs no prompt, yet the
 * change still goes through dlite-helper; local.docker then reaches a published port.
 */
const IMAGE_DIR = path.join(REPO, 'build/os/out/amd64');
const HOSTS = '/etc/hosts';
const BACKUP = '/etc/hosts.dlite-backup';
const IMAGE = 'dlite-test/busybox:hosts';

describe('host integration on Linux (real /etc/hosts, real QEMU)', () => {
  let tmp: string;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let original: Buffer;
  let originalMode: number;
  let backupExisted: boolean;
  let uuid: string;

  const ok = (r: CliRun): CliRun => {
    expect(r.code, `exit code\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
    return r;
  };
  const docker = (args: string[]) => runProcess('docker', args, env);

  beforeAll(async () => {
    if (!existsSync(path.join(IMAGE_DIR, 'manifest.json'))) {
      throw new Error(`No guest OS image in ${IMAGE_DIR}: run 'npm run build:os' first`);
    }
    expect(process.getuid?.()).toBe(0);
    original = await readFile(HOSTS);
    originalMode = (await stat(HOSTS)).mode & 0o7777;
    backupExisted = existsSync(BACKUP);
    tmp = await mkdtemp('/tmp/dlh-');
    home = path.join(tmp, 'h');
    await mkdir(path.join(tmp, 'share'));
    await mkdir(path.join(tmp, 'docker-config'));
    env = {
      ...process.env,
      DLITE_HOME: home,
      DLITE_HOST_INTEGRATION: 'on',
      DOCKER_CONFIG: path.join(tmp, 'docker-config'),
      DOCKER_HOST: `unix://${home}/run/docker.sock`,
    };
    ok(
      await dlite(
        ['install', '-c', '2', '-m', '2', '-d', '8', '-S', path.join(tmp, 'share'), '--os-image', IMAGE_DIR],
        env,
      ),
    );
    uuid = (JSON.parse(await readFile(path.join(home, 'config.json'), 'utf8')) as { uuid: string }).uuid;
  });

  afterAll(async () => {
    if (env) await dlite(['uninstall', '--yes'], env).catch(() => undefined);
    for (const pid of await pidsMatching(path.join(home, 'disk.img')).catch(() => [])) {
      process.kill(pid, 'SIGKILL');
    }
    // Whatever happened, the machine's file is as it was.
    if (original) {
      await writeFile(HOSTS, original);
      await (await import('node:fs/promises')).chmod(HOSTS, originalMode);
    }
    if (!backupExisted) await rm(BACKUP, { force: true });
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('refuses xhyve and vfkit in one line on Linux, before touching anything', async () => {
    for (const [hypervisor, line] of [
      [
        'xhyve',
        'xhyve runs only on Intel Macs, not on this machine (linux): dlite config set hypervisor auto',
      ],
      [
        'vfkit',
        'vfkit runs only on macOS 13 or later, not on this machine (linux): dlite config set hypervisor auto',
      ],
    ] as const) {
      // Choosing it here is refused at once, in the same one line.
      const set = await dlite(['config', 'set', 'hypervisor', hypervisor], env);
      expect(set.code).toBe(1);
      expect(set.stderr.trim()).toBe(`dlite: hypervisor: ${line}`);
      // A config.json that names it (restored from a Mac) is kept; start and doctor refuse in one line.
      const config = path.join(home, 'config.json');
      const saved = await readFile(config, 'utf8');
      await writeFile(config, JSON.stringify({ ...JSON.parse(saved), hypervisor }, null, 2));
      const r = await dlite(['start'], env);
      expect(r.code).toBe(1);
      expect(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => !l.startsWith('[')),
      ).toEqual([`dlite: validate: hypervisor: ${line}`]);
      const doctor = await dlite(['doctor'], env);
      expect(doctor.code).toBe(1);
      expect(doctor.stdout.split('\n').filter((l) => l.includes(line))).toEqual([`✗ hypervisor: ${line}`]);
      expect(JSON.parse(await readFile(config, 'utf8'))).toMatchObject({ hypervisor });
      expect(await readFile(HOSTS)).toEqual(original);
      await writeFile(config, saved);
    }
  });

  it('maps local.docker to 127.0.0.1 through the helper, without a prompt, and a published port answers there', async () => {
    const r = ok(await dlite(['start'], env));
    expect(r.stderr).not.toContain('administrator password');
    const hosts = await readFile(HOSTS, 'utf8');
    expect(hosts.startsWith(original.toString('utf8'))).toBe(true);
    expect(hosts.slice(original.length)).toBe(
      `# BEGIN dlite ${uuid}\n127.0.0.1 local.docker\n# END dlite ${uuid}\n`,
    );
    expect((await stat(HOSTS)).mode & 0o7777).toBe(originalMode);
    expect(await readFile(BACKUP)).toEqual(original);
    expect((await lookup('local.docker', { family: 4 })).address).toBe('127.0.0.1');
    const log = await readFile(path.join(home, 'log/dlite.log'), 'utf8');
    expect(log).toContain('system files: /etc/hosts: 127.0.0.1 local.docker');
    const status = JSON.parse((await dlite(['status', '--json'], env)).stdout) as {
      hostIntegration: { pending: unknown; degraded: unknown[] };
    };
    expect(status.hostIntegration).toEqual({ pending: null, degraded: [] });

    const bb = await busyboxRootfsTar();
    try {
      ok(await docker(['import', '--change', 'CMD ["/bin/sh"]', bb.tar, IMAGE]));
    } finally {
      await bb.cleanup();
    }
    const port = await freePort();
    ok(
      await docker([
        'run',
        '-d',
        '--name',
        'web',
        '-p',
        `${port}:8080`,
        IMAGE,
        'sh',
        '-c',
        'echo served > /www/index.html && httpd -f -p 8080 -h /www',
      ]),
    );
    const body = await new Promise<string>((resolve, reject) => {
      const attempt = (n: number): void => {
        http
          .get({ host: 'local.docker', port, path: '/' }, (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () => resolve(text));
          })
          .on('error', (e) => (n > 0 ? setTimeout(() => attempt(n - 1), 1000) : reject(e)));
      };
      attempt(30);
    });
    expect(body).toBe('served\n');
  });

  it('asks nothing and changes nothing on the next start; uninstall restores the original bytes', async () => {
    ok(await dlite(['stop'], env));
    const before = await readFile(HOSTS);
    ok(await dlite(['start'], env));
    expect(await readFile(HOSTS)).toEqual(before);
    const log = await readFile(path.join(home, 'log/dlite.log'), 'utf8');
    expect(log.split('\n').filter((l) => l.includes('system files: /etc/hosts'))).toHaveLength(1);
    const u = ok(await dlite(['uninstall', '--yes'], env));
    expect(u.stderr).toContain('Removed: /etc/hosts: block removed');
    expect(await readFile(HOSTS)).toEqual(original);
  });
});

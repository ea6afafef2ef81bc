import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { busyboxRootfsTar } from './helpers/busybox-image.js';
import { REPO, dlite, pidsMatching, runProcess, waitFor, type CliRun } from './helpers/cli.js';

const IMAGE_DIR = path.join(REPO, 'build/os/out/amd64');
const IMAGE = 'dlite-test/busybox:1';

interface Status {
  state: string;
  hostPid: number;
  sleep: { suspended: boolean; savedStateBytes: number | null } | null;
  resources: {
    sampledAt: string;
    hypervisorCpuPercent: number | null;
    hypervisorRssBytes: number | null;
    diskAllocatedBytes: number | null;
    diskSizeBytes: number | null;
    guestMemoryUsedBytes: number | null;
    guestMemoryTotalBytes: number | null;
    guestDiskUsedBytes: number | null;
  } | null;
}

describe('idle stop, wake on docker.sock, reclaim and the virtiofs share (QEMU, TCG)', () => {
  let tmp: string;
  let home: string;
  let share: string;
  let env: NodeJS.ProcessEnv;

  const ok = (r: CliRun): CliRun => {
    expect(r.code, `exit code\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
    return r;
  };
  const docker = (args: string[], opts: { input?: string; timeoutMs?: number } = {}) =>
    runProcess('docker', args, env, opts);
  const status = async (): Promise<Status> =>
    JSON.parse((await dlite(['status', '--json'], env)).stdout) as Status;
  const guest = async (cmd: string): Promise<string> =>
    ok(await dlite(['ssh', '--', 'sh', '-c', cmd], env)).stdout.trim();
  const qemuRunning = async () => (await pidsMatching(path.join(home, 'disk.img'))).length > 0;
  const allocated = async () => (await stat(path.join(home, 'disk.img'))).blocks * 512;
  const log = () => readFile(path.join(home, 'log/dlite.log'), 'utf8');
  /** QEMU's resident memory, bytes. */
  const qemuRss = async () => {
    const [pid] = await pidsMatching(path.join(home, 'disk.img'));
    const kib = /VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kib) * 1024;
  };
  const waitState = (state: string, timeoutMs: number) =>
    waitFor(`state ${state}`, async () => ((await status()).state === state ? true : undefined), timeoutMs);
  /** The guest's uptime (s) and dockerd's pid. */
  const identity = async () => {
    const [up, pid] = (await guest('cut -d" " -f1 /proc/uptime; cat /var/run/docker.pid')).split('\n');
    return { uptime: Number(up), dockerdPid: Number(pid) };
  };

  beforeAll(async () => {
    if (!existsSync(path.join(IMAGE_DIR, 'manifest.json'))) {
      throw new Error(`No guest OS image in ${IMAGE_DIR}: run 'npm run build:os' first`);
    }
    tmp = await mkdtemp('/tmp/dli-');
    home = path.join(tmp, 'h');
    share = path.join(tmp, `shared "q" it's`);
    await mkdir(share, { recursive: true });
    await mkdir(path.join(tmp, 'docker-config'));
    env = {
      ...process.env,
      DLITE_HOME: home,
      DOCKER_CONFIG: path.join(tmp, 'docker-config'),
      DOCKER_HOST: `unix://${home}/run/docker.sock`,
    };
    ok(await dlite(['install', '-c', '2', '-m', '2', '-d', '8', '-S', share, '--os-image', IMAGE_DIR], env));
    // A leading blank keeps the value from being read as an option of dlite itself.
    ok(await dlite(['config', 'set', 'docker_args', '--debug'], env));
    ok(await dlite(['config', 'set', 'registry_mirrors', 'https://mirror.example.com'], env));
    ok(await dlite(['start'], env));
    const bb = await busyboxRootfsTar();
    try {
      ok(await docker(['import', '--change', 'CMD ["/bin/sh"]', bb.tar, IMAGE]));
    } finally {
      await bb.cleanup();
    }
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    const keep = path.join(REPO, 'test-results', 'idle');
    await mkdir(keep, { recursive: true });
    for (const name of ['console.log', 'console.log.1', 'dlite.log', 'qemu.log', 'virtiofsd.log']) {
      await copyFile(path.join(home, 'log', name), path.join(keep, name)).catch(() => undefined);
    }
  });

  afterAll(async () => {
    if (env) await dlite(['uninstall', '--yes'], env).catch(() => undefined);
    for (const pid of await pidsMatching(path.join(home, 'disk.img')).catch(() => [])) {
      process.kill(pid, 'SIGKILL');
    }
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('shares the folder over virtiofs: ownership, spaces and quotes, host edits seen at once', async () => {
    expect(await guest('grep " virtiofs " /proc/mounts | cut -d" " -f3')).toBe('virtiofs');
    const name = `a b "c" 'd'.txt`;
    await writeFile(path.join(share, name), 'first\n');
    const mount = `${share}:/s`;
    expect(ok(await docker(['run', '--rm', '-v', mount, IMAGE, 'cat', `/s/${name}`])).stdout).toBe('first\n');
    // A host edit is visible to the next read in the container, without waiting.
    await writeFile(path.join(share, name), 'second, longer\n');
    expect(ok(await docker(['run', '--rm', '-v', mount, IMAGE, 'cat', `/s/${name}`])).stdout).toBe(
      'second, longer\n',
    );
    ok(await docker(['run', '--rm', '-v', mount, IMAGE, 'sh', '-c', 'echo made > "/s/from container.txt"']));
    const made = await stat(path.join(share, 'from container.txt'));
    expect(made.uid).toBe(process.getuid!());
    expect(await readFile(path.join(share, 'from container.txt'), 'utf8')).toBe('made\n');
    // A container running as another user: the daemon runs as root here (virtiofs needs it on
    // Debian 12; unprivileged.test.ts covers a normal user), so its files are that user's, as on 9p.
    await mkdir(path.join(share, 'open dir'));
    await chmod(path.join(share, 'open dir'), 0o777);
    ok(
      await docker([
        'run',
        '--rm',
        '--user',
        '1000:1000',
        '-v',
        mount,
        IMAGE,
        'sh',
        '-c',
        'echo u > "/s/open dir/by 1000"',
      ]),
    );
    expect((await stat(path.join(share, 'open dir', 'by 1000'))).uid).toBe(1000);
  });

  it('shows the four resource figures in status --json', async () => {
    // Just used by the test before: the memory has not been handed back yet.
    const rssInUse = await qemuRss();
    const s = await waitFor(
      'guest figures',
      async () => {
        const st = await status();
        return st.resources?.guestMemoryUsedBytes && st.resources.hypervisorCpuPercent !== null
          ? st
          : undefined;
      },
      60_000,
    );
    const r = s.resources!;
    expect(r.hypervisorRssBytes).toBeGreaterThan(64 * 2 ** 20);
    expect(r.hypervisorCpuPercent).toBeGreaterThanOrEqual(0);
    expect(r.diskAllocatedBytes).toBeGreaterThan(0);
    expect(r.diskSizeBytes).toBe(8 * 2 ** 30);
    expect(r.guestMemoryTotalBytes).toBeGreaterThan(1.5 * 2 ** 30);
    expect(r.guestMemoryUsedBytes).toBeLessThan(r.guestMemoryTotalBytes!);
    expect(r.guestDiskUsedBytes).toBeGreaterThan(0);
    expect(ok(await dlite(['status'], env)).stdout).toMatch(/host cost: {2}CPU .* of a core .*memory/);
    // Once the VM has been quiet for a minute, the boot's page cache and scattered free pages go back
    // to the host, and QEMU's copy of the initramfs is emptied.
    await waitFor(
      'memory handed back once idle',
      async () => (/gave \d+ MiB of free guest memory back once idle/.test(await log()) ? true : undefined),
      200_000,
    );
    // The initramfs copy alone was about 75 MiB of it.
    expect(await qemuRss()).toBeLessThan(rssInUse - 100 * 2 ** 20);
    expect(await log()).toMatch(/dropped the guest's clean page cache and compacted its memory/);
    expect(await log()).toMatch(/emptied QEMU's copy of the initramfs \(\d+ MiB\)/);
    expect((await stat(path.join(home, 'run', 'initrd'))).size).toBe(0);
    // Free page reporting hands over free blocks from 128 KiB (order 5) up, not only 2 MiB ones.
    expect(await guest('cat /sys/module/page_reporting/parameters/page_reporting_order')).toBe('5');
  });

  it('dlite disk reclaim gives deleted space back to the host', async () => {
    ok(
      await docker([
        'run',
        '--rm',
        '-v',
        'big:/d',
        IMAGE,
        'sh',
        '-c',
        'head -c 209715200 /dev/urandom > /d/f',
      ]),
    );
    await guest('sync');
    const grown = await allocated();
    ok(await docker(['volume', 'rm', 'big']));
    const r = ok(await dlite(['disk', 'reclaim'], env));
    expect(r.stdout).toMatch(/^Trimmed .* in the VM; disk\.img now takes .* given back\)\.$/m);
    expect(grown - (await allocated())).toBeGreaterThan(150 * 2 ** 20);
  });

  it('sleeps after a 1-minute idle setting; docker.sock wakes it, resumed, not rebooted', async () => {
    ok(await dlite(['config', 'set', 'idle_stop_minutes', '1'], env));
    const before = await identity();
    ok(await docker(['ps']));
    await waitState('sleeping', 200_000);
    const asleep = await status();
    expect(asleep.sleep?.suspended).toBe(true);
    expect(asleep.sleep?.savedStateBytes).toBeGreaterThan(0);
    expect(await qemuRunning()).toBe(false);
    // The saved state is a zstd stream, well under what QEMU wrote into it (about half, measured).
    const stateFile = path.join(home, 'suspend', 'vm.state');
    expect((await readFile(stateFile)).subarray(0, 4).toString('hex')).toBe('28b52ffd');
    const raw = Number(ok(await runProcess('sh', ['-c', `zstd -dcq '${stateFile}' | wc -c`], env)).stdout);
    expect(asleep.sleep?.savedStateBytes ?? Infinity).toBeLessThan(raw * 0.75);
    expect(await log()).toMatch(/VM saved in \d+ ms \([\d.]+ MiB on disk, zstd of [\d.]+ MiB\)/);
    expect(ok(await dlite(['status'], env)).stdout).toContain('sleeping (wakes on use)');
    // The first client waits for the wake; one that arrives during the wake waits too.
    const first = docker(['ps', '--format', '{{.ID}}']);
    await sleep(300);
    const second = docker(['version', '--format', '{{.Server.Version}}']);
    ok(await first);
    expect(ok(await second).stdout.trim()).toMatch(/^\d+\.\d+/);
    // Waiting clients are served as soon as the resumed engine answers; the start ends just after.
    await waitState('running', 60_000);
    // Loading the saved VM filled the shared guest memory; the balloon hands the free part back.
    await waitFor(
      'memory handed back',
      async () =>
        /gave \d+ MiB of free guest memory back after the resume/.test(await log()) ? true : undefined,
      120_000,
    );
    const after = await identity();
    expect(after.dockerdPid).toBe(before.dockerdPid);
    expect(after.uptime).toBeGreaterThan(before.uptime);
    const text = await log();
    expect(text).toMatch(/resumed the saved VM in \d+ ms/);
    // The guest clock is set again after the resume (it stood still while the VM was saved).
    expect(text.slice(text.lastIndexOf('resumed the saved VM'))).toMatch(
      /guest clock set \(was -?\d+ ms off\)/,
    );
    const rss = await waitFor(
      'a fresh RSS figure',
      async () => {
        const r = (await status()).resources;
        return r?.hypervisorRssBytes && Date.parse(r.sampledAt) > Date.now() - 5_000
          ? r.hypervisorRssBytes
          : undefined;
      },
      30_000,
    );
    expect(rss).toBeLessThan(2 * 2 ** 30);
    // The share, docker_args, mirrors and published ports all work after the wake.
    expect(await guest('grep " virtiofs " /proc/mounts | cut -d" " -f3')).toBe('virtiofs');
    expect(
      ok(await docker(['run', '--rm', '-v', `${share}:/s`, IMAGE, 'cat', '/s/from container.txt'])).stdout,
    ).toBe('made\n');
    const info = ok(await docker(['info', '--format', '{{.Debug}} {{json .RegistryConfig.Mirrors}}'])).stdout;
    expect(info).toContain('true');
    expect(info).toContain('https://mirror.example.com/');
    const port = 18000 + Math.floor(Math.random() * 1000);
    ok(await docker(['run', '-d', '--name', 'web', '-p', `${port}:80`, IMAGE, 'httpd', '-f', '-h', '/']));
    await waitFor('published port', () => connects(port), 30_000);
    ok(await docker(['rm', '-f', 'web']));
  });

  it('a client that gives up while the VM wakes is dropped; the wake still completes', async () => {
    ok(await dlite(['sleep'], env));
    expect((await status()).state).toBe('sleeping');
    const c = net.connect(path.join(home, 'run/docker.sock'));
    c.on('error', () => undefined);
    await new Promise((r) => c.once('connect', r));
    c.write('GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n');
    await sleep(200);
    c.destroy();
    await waitState('running', 120_000);
    ok(await docker(['ps']));
  });

  it('discards a saved VM that no longer matches (a changed setting, a replaced image) and boots', async () => {
    for (const change of ['setting', 'image'] as const) {
      ok(await dlite(['sleep'], env));
      expect((await status()).sleep?.suspended).toBe(true);
      if (change === 'setting') ok(await dlite(['config', 'set', 'dns', '10.0.2.3'], env));
      else {
        const active = JSON.parse(await readFile(path.join(home, 'os/current'), 'utf8')) as {
          version: string;
        };
        const initrd = path.join(home, 'os', active.version, 'rootfs.cpio.zst');
        await copyFile(initrd, `${initrd}.new`);
        await rename(`${initrd}.new`, initrd);
      }
      const started = Date.now();
      ok(await docker(['ps'], { timeoutMs: 180_000 }));
      expect(Date.now() - started).toBeGreaterThan(5_000);
      const discarded = (await log()).match(
        /discarding the saved VM: the settings, the OS image or QEMU changed/g,
      );
      expect(discarded).toHaveLength(change === 'setting' ? 1 : 2);
      expect((await identity()).uptime).toBeLessThan(120);
      // A cold wake applies docker_args and the mirrors again.
      const info = ok(
        await docker(['info', '--format', '{{.Debug}} {{json .RegistryConfig.Mirrors}}']),
      ).stdout;
      expect(info).toMatch(/^true .*"https:\/\/mirror\.example\.com\/"/);
    }
  });

  it('uses 9p when virtiofsd is missing, and doctor says so', async () => {
    const s = await status();
    process.kill(s.hostPid, 'SIGTERM');
    await waitFor(
      'daemon gone',
      () => (existsSync(path.join(home, 'run/control.sock')) ? undefined : true),
      60_000,
    );
    env = { ...env, DLITE_VIRTIOFSD: path.join(tmp, 'no-virtiofsd') };
    ok(await dlite(['start'], env));
    expect(await guest('grep " 9p " /proc/mounts | cut -d" " -f3')).toBe('9p');
    const doctor = (await dlite(['doctor'], env)).stdout;
    expect(doctor).toMatch(
      /shared folder: 9p, the slower share: DLITE_VIRTIOFSD=.*no-virtiofsd is not an executable file; using 9p/,
    );
    expect(
      ok(await docker(['run', '--rm', '-v', `${share}:/s`, IMAGE, 'cat', '/s/from container.txt'])).stdout,
    ).toBe('made\n');
    // A 9p VM sleeps and wakes too (the share is unmounted for the save).
    const before = await identity();
    ok(await dlite(['sleep'], env));
    ok(await docker(['ps']));
    await waitState('running', 60_000);
    expect((await identity()).dockerdPid).toBe(before.dockerdPid);
    expect(await guest('grep " 9p " /proc/mounts | cut -d" " -f3')).toBe('9p');
  });
});

function connects(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.write('GET / HTTP/1.0\r\n\r\n');
    });
    s.once('data', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(undefined));
    s.once('close', () => resolve(undefined));
  });
}

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import semver from 'semver';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { VmStatus } from '../../electron/shared/types.js';
import { startChannelServer, type ChannelServer } from '../fixtures/channel-server.js';
import { REPO, dlite, pidsMatching, runProcess, type CliRun } from './helpers/cli.js';

const BUILD = path.join(REPO, 'build/os/out/amd64');
const INDEX_ENTRY = path.join(REPO, 'build/os/index-entry.mjs');
const node = promisify(execFile);

/** Hardlinks (or copies) a file: the channel serves the real build output. */
async function place(from: string, to: string): Promise<void> {
  await link(from, to).catch(() => copyFile(from, to));
}

describe('DhyveOS releases from a real channel (QEMU, TCG)', () => {
  let tmp: string;
  let home: string;
  let channel: string;
  let server: ChannelServer;
  let env: NodeJS.ProcessEnv;
  let first: string;
  let second: string;

  const ok = (r: CliRun): CliRun => {
    expect(r.code, `exit code\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
    return r;
  };
  const status = async (): Promise<VmStatus> =>
    JSON.parse(ok(await dlite(['status', '--json'], env)).stdout) as VmStatus;
  const pointer = async () => JSON.parse(await readFile(path.join(home, 'os/current'), 'utf8')) as unknown;
  /** The kernel the running QEMU was given. */
  const bootedKernel = async (): Promise<string | undefined> => {
    for (const pid of await pidsMatching(path.join(home, 'disk.img'))) {
      const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
      if (!argv[0]?.includes('qemu-system')) continue;
      return argv[argv.indexOf('-kernel') + 1];
    }
    return undefined;
  };

  /** Publishes the build output as `version` (same kernel and initramfs) and rewrites the index. */
  async function publish(version: string, edit?: (manifest: Record<string, unknown>) => void): Promise<void> {
    const dir = path.join(channel, version, 'amd64');
    await mkdir(dir, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(BUILD, 'manifest.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    for (const name of Object.keys(manifest['files'] as object)) {
      await place(path.join(BUILD, name), path.join(dir, name));
    }
    manifest['version'] = version;
    edit?.(manifest);
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
    await node(process.execPath, [INDEX_ENTRY, dir]);
    await node(process.execPath, [INDEX_ENTRY, '--merge', channel]);
  }

  beforeAll(async () => {
    if (!existsSync(path.join(BUILD, 'manifest.json'))) {
      throw new Error(`No guest OS image in ${BUILD}: run 'npm run build:os' first`);
    }
    first = (JSON.parse(await readFile(path.join(BUILD, 'manifest.json'), 'utf8')) as { version: string })
      .version;
    second = semver.inc(first, 'patch') ?? '';
    tmp = await mkdtemp('/tmp/du-');
    home = path.join(tmp, 'h');
    channel = path.join(tmp, 'channel');
    await mkdir(path.join(tmp, 'share'));
    await publish(first);
    server = await startChannelServer(channel);
    env = { ...process.env, DLITE_HOME: home, DOCKER_HOST: `unix://${home}/run/docker.sock` };
    delete env['DLITE_OS_IMAGE'];
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    const keep = path.join(REPO, 'test-results', 'os-update');
    await mkdir(keep, { recursive: true });
    for (const name of ['console.log', 'dlite.log', 'daemon.out']) {
      await copyFile(path.join(home, 'log', name), path.join(keep, name)).catch(() => undefined);
    }
  });

  afterAll(async () => {
    if (env) await dlite(['uninstall', '--yes'], env).catch(() => undefined);
    for (const pid of await pidsMatching(path.join(tmp, 'h', 'disk.img')).catch(() => [])) {
      process.kill(pid, 'SIGKILL');
    }
    await server?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('installs from the channel, verified', async () => {
    const url = `${server.origin}/index.json`;
    const r = ok(
      await dlite(
        ['install', '-c', '2', '-m', '2', '-d', '8', '-S', path.join(tmp, 'share'), '--channel', url],
        env,
      ),
    );
    expect(r.stdout).toContain(`DhyveOS ${first} (from ${url})`);
    expect(r.stderr).toContain(`[2/4] Downloading DhyveOS ${first} (rootfs.cpio.zst)`);
    expect(
      server.requests
        .filter((q) => q.status === 200)
        .map((q) => q.path)
        .sort(),
    ).toEqual(
      [
        '/index.json',
        ...['bzImage', 'manifest.json', 'rootfs.cpio.zst'].map((n) => `/${first}/amd64/${n}`),
      ].sort(),
    );
    expect(await pointer()).toEqual({ version: first, previous: null });
    // Compare digests: a deep equality of two 60 MiB buffers exhausts the test worker's heap.
    const digest = async (file: string) =>
      createHash('sha256')
        .update(await readFile(file))
        .digest('hex');
    expect(await digest(path.join(home, 'os', first, 'rootfs.cpio.zst'))).toBe(
      await digest(path.join(BUILD, 'rootfs.cpio.zst')),
    );
  });

  it('boots that version, and status shows it', async () => {
    ok(await dlite(['start'], env));
    expect((await status()).os).toEqual({ running: first, active: first });
    expect(await bootedKernel()).toBe(path.join(home, 'os', first, 'bzImage'));
    ok(await runProcess('docker', ['version', '--format', '{{.Server.Version}}'], env));
  });

  it('updates to a newer release while the VM keeps running on its version', async () => {
    await publish(second);
    const check = ok(await dlite(['update', '--check'], env));
    expect(check.stdout).toContain(`latest:   ${second} — an update is available`);
    const r = ok(await dlite(['update'], env));
    expect(r.stdout).toContain(`DhyveOS ${second} is installed and the active version.`);
    expect(r.stdout).toContain(
      `The running VM keeps DhyveOS ${first} until it restarts: run 'dlite restart' to boot ${second}.`,
    );
    expect(await pointer()).toEqual({ version: second, previous: first });
    expect((await status()).os).toEqual({ running: first, active: second });
    expect(ok(await dlite(['status'], env)).stdout).toContain(
      `os:         DhyveOS ${first} (${second} at the next start)`,
    );
    expect(await bootedKernel()).toBe(path.join(home, 'os', first, 'bzImage'));
  });

  it('a release whose file does not match the index fails and changes nothing', async () => {
    const third = semver.inc(second, 'patch') ?? '';
    await publish(third);
    const index = JSON.parse(await readFile(path.join(channel, 'index.json'), 'utf8')) as {
      versions: { version: string; files: { name: string; sha256: string }[] }[];
    };
    const kernel = index.versions.find((v) => v.version === third)!.files.find((f) => f.name === 'bzImage')!;
    const real = kernel.sha256;
    kernel.sha256 = '0'.repeat(64);
    await writeFile(path.join(channel, 'index.json'), JSON.stringify(index));
    const r = await dlite(['update'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`[2/4] Downloading DhyveOS ${third} (bzImage)`);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      `dlite: bzImage: sha256 mismatch: the release index says ${'0'.repeat(64)}, the download is ${real}`,
    );
    expect(await pointer()).toEqual({ version: second, previous: first });
    expect((await readdir(path.join(home, 'os'))).filter((n) => !n.startsWith('.')).sort()).toEqual(
      [first, second, 'current'].sort(),
    );
    await rm(path.join(channel, third), { recursive: true });
    await node(process.execPath, [INDEX_ENTRY, '--merge', channel]);
  });

  it('boots the new version after a restart', async () => {
    ok(await dlite(['restart'], env));
    expect((await status()).os).toEqual({ running: second, active: second });
    expect(await bootedKernel()).toBe(path.join(home, 'os', second, 'bzImage'));
    ok(await runProcess('docker', ['version', '--format', '{{.Server.Version}}'], env));
  });

  it('rolls back, and boots the previous version', async () => {
    const r = ok(await dlite(['update', '--rollback'], env));
    expect(r.stdout).toContain(`Rolled back: DhyveOS ${first} is the active version.`);
    expect(await pointer()).toEqual({ version: first, previous: second });
    ok(await dlite(['restart'], env));
    expect((await status()).os).toEqual({ running: first, active: first });
    expect(await bootedKernel()).toBe(path.join(home, 'os', first, 'bzImage'));
    ok(await runProcess('docker', ['version', '--format', '{{.Server.Version}}'], env));
  });
});

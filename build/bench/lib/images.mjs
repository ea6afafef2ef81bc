// Images and payloads the benchmarks feed through Docker, built locally (no registry is reachable).
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { run } from './proc.mjs';

export const BB_IMAGE = 'dlite-bench/bb:1';
export const LOAD_IMAGE = 'dlite-bench/load:1';
export const MiB = 1024 * 1024;

/** A busybox root filesystem (every applet linked) with `/www/index.html`, in `dir/rootfs`. */
async function busyboxRootfs(dir) {
  const root = path.join(dir, 'rootfs');
  for (const d of ['bin', 'tmp', 'www', 'data', 'etc']) await mkdir(path.join(root, d), { recursive: true });
  await copyFile('/bin/busybox', path.join(root, 'bin/busybox'));
  const applets = (await run('/bin/busybox', ['--list'])).stdout.split('\n').filter(Boolean);
  for (const a of applets) {
    if (a !== 'busybox') await symlink('busybox', path.join(root, 'bin', a));
  }
  await writeFile(path.join(root, 'www/index.html'), 'dlite bench\n');
  await writeFile(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/:/bin/sh\n');
  return root;
}

/** Imports the busybox image through the forwarded socket (`docker import`); idempotent. */
export async function ensureBusyboxImage(session, dir) {
  const have = await session.docker(['image', 'inspect', BB_IMAGE], { check: false });
  if (have.code === 0) return BB_IMAGE;
  const root = await busyboxRootfs(path.join(dir, 'bb'));
  const tar = path.join(dir, 'bb.tar');
  await run('tar', ['-C', root, '-cf', tar, '.']);
  await session.docker(['import', '--change', 'CMD ["/bin/sh"]', tar, BB_IMAGE]);
  return BB_IMAGE;
}

/** Writes `bytes` of random data to `file` (random so nothing on the way can compress it). */
export async function randomFile(file, bytes) {
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(MiB);
  try {
    for (let left = bytes; left > 0; left -= chunk.length) {
      randomFillSync(chunk);
      await handle.write(chunk, 0, Math.min(chunk.length, left));
    }
  } finally {
    await handle.close();
  }
}

async function sha256File(file) {
  const hash = createHash('sha256');
  for await (const c of createReadStream(file)) hash.update(c);
  return hash.digest('hex');
}

/**
 * A `docker save`-format tarball of one layer (busybox plus `sizeMiB` of random data in /data),
 * tagged {@link LOAD_IMAGE}. Resolves `{ file, bytes }`.
 */
export async function makeLoadTarball(dir, sizeMiB) {
  const work = path.join(dir, 'load');
  const root = await busyboxRootfs(work);
  await randomFile(path.join(root, 'data/random.bin'), sizeMiB * MiB);
  const out = path.join(work, 'image');
  await mkdir(path.join(out, 'layer'), { recursive: true });
  const layer = path.join(out, 'layer/layer.tar');
  await run('tar', ['-C', root, '-cf', layer, '.']);
  const diffId = `sha256:${await sha256File(layer)}`;
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created: new Date(0).toISOString(),
    config: { Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created: new Date(0).toISOString(), created_by: 'dlite bench' }],
  });
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  await writeFile(path.join(out, configName), config);
  const manifest = [{ Config: configName, RepoTags: [LOAD_IMAGE], Layers: ['layer/layer.tar'] }];
  await writeFile(path.join(out, 'manifest.json'), JSON.stringify(manifest));
  const file = path.join(dir, 'load.tar');
  await run('tar', ['-C', out, '-cf', file, 'manifest.json', configName, 'layer/layer.tar']);
  await run('rm', ['-rf', work]);
  return { file, bytes: (await stat(file)).size };
}

/**
 * A build context: a Dockerfile on {@link BB_IMAGE} plus `sizeMiB` of random data, and the same
 * context as a tar (what the classic builder uploads) for the SSH baseline. Resolves `{ dir, tar, bytes }`.
 */
export async function makeBuildContext(dir, sizeMiB) {
  const ctx = path.join(dir, 'ctx');
  await mkdir(ctx, { recursive: true });
  await writeFile(path.join(ctx, 'Dockerfile'), `FROM ${BB_IMAGE}\nLABEL dlite.bench=context\n`);
  await randomFile(path.join(ctx, 'data.bin'), sizeMiB * MiB);
  const tar = path.join(dir, 'ctx.tar');
  await run('tar', ['-C', ctx, '-cf', tar, '.']);
  return { dir: ctx, tar, bytes: (await stat(tar)).size };
}

import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { removalCalls, removeHostIntegration } from '../../../electron/core/integration/removal.js';
import { createSystemRunner } from '../../../electron/core/integration/runner.js';
import { bundleHelper } from '../privileged/helper-build.js';

const UUID = '5f0c3a9e-6a51-4b8e-9d2c-2b7d3e1f4a60';
const SOCK = '/home/me/.dlite/run/docker.sock';

describe("uninstall removes this VM's host integration in one elevation", () => {
  let dir: string;
  let root: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-removal-'));
    root = path.join(dir, 'root');
    await mkdir(path.join(root, 'etc'), { recursive: true });
    await mkdir(path.join(root, 'var/run'), { recursive: true });
    await mkdir(path.join(root, 'sbin'), { recursive: true });
    await writeFile(path.join(root, 'sbin/nfsd'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('finds the blocks and our link, and removes them through the helper', async () => {
    const hosts = `127.0.0.1 localhost\n# BEGIN dlite ${UUID}\n127.0.0.1 local.docker\n# END dlite ${UUID}\n`;
    await writeFile(path.join(root, 'etc/hosts'), hosts);
    await writeFile(
      path.join(root, 'etc/exports'),
      `# BEGIN dlite ${UUID}\n"/Users" -alldirs\n# END dlite ${UUID}\n`,
    );
    await symlink(SOCK, path.join(root, 'var/run/docker.sock'));
    expect(await removalCalls(UUID, SOCK, root)).toEqual([
      ['hosts-remove', UUID],
      ['exports-remove', UUID],
      ['docker-sock-unlink', SOCK],
    ]);
    expect(await removalCalls(UUID, '/other/docker.sock', root)).toHaveLength(2);
    const helper = await bundleHelper(path.join(dir, 'helper.mjs'), root);
    const out = await removeHostIntegration(
      UUID,
      SOCK,
      createSystemRunner({ node: process.execPath, script: helper }, null),
      root,
    );
    expect(out).toEqual({
      removed: [
        '/etc/hosts: block removed',
        '/etc/exports: block removed; nfsd re-read the exports',
        '/var/run/docker.sock: removed',
      ],
      problem: null,
    });
    expect(await readFile(path.join(root, 'etc/hosts'), 'utf8')).toBe('127.0.0.1 localhost\n');
    expect(await removalCalls(UUID, SOCK, root)).toEqual([]);
  });

  it('a declined password leaves everything and says which blocks stay', async () => {
    await writeFile(
      path.join(root, 'etc/hosts'),
      `# BEGIN dlite ${UUID}\n127.0.0.1 local.docker\n# END dlite ${UUID}\n`,
    );
    const out = await removeHostIntegration(
      UUID,
      SOCK,
      createSystemRunner({ node: process.execPath, script: '/x.js' }, null, {
        uid: 1000,
        sudo: '/bin/false',
      }),
      root,
    );
    expect(out.removed).toEqual([]);
    expect(out.problem).toBe(
      `not allowed: the "# BEGIN dlite ${UUID}" blocks in /etc/hosts and /etc/exports were left in place`,
    );
  });
});

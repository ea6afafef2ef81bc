import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { pathsForHome } from '../../electron/core/paths.js';
import { REPO, dlite, pidsMatching, runProcess, type CliRun } from './helpers/cli.js';

const IMAGE_DIR = path.join(REPO, 'build/os/out/amd64');

/**
 * Two Dlite homes side by side, one of them with a 150-character path: each runs its own VM with
 * its own docker.sock and docker context, and uninstalling one leaves the other alone.
 */
describe('two homes at once (QEMU, TCG)', () => {
  let tmp: string;
  let homes: { home: string; env: NodeJS.ProcessEnv }[];

  const ok = (r: CliRun): CliRun => {
    expect(r.code, `exit code\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
    return r;
  };
  const docker = (args: string[], env: NodeJS.ProcessEnv) =>
    runProcess('docker', args, env, { timeoutMs: 60_000 });

  beforeAll(async () => {
    if (!existsSync(path.join(IMAGE_DIR, 'manifest.json'))) {
      throw new Error(`No guest OS image in ${IMAGE_DIR}: run 'npm run build:os' first`);
    }
    tmp = await mkdtemp('/tmp/dl2-');
    const long = path.join(tmp, `long-${'y'.repeat(150 - tmp.length - 1 - 'long-'.length)}`);
    const config = path.join(tmp, 'docker-config');
    await mkdir(config);
    await mkdir(path.join(tmp, 'share'));
    homes = [path.join(tmp, 'a'), long].map((home) => ({
      home,
      env: { ...process.env, DLITE_HOME: home, DOCKER_CONFIG: config, DOCKER_HOST: '' },
    }));
  });

  afterAll(async () => {
    for (const h of homes ?? []) await dlite(['uninstall', '--yes'], h.env).catch(() => undefined);
    for (const h of homes ?? []) {
      for (const pid of await pidsMatching(pathsForHome(h.home).disk)) process.kill(pid, 'SIGKILL');
    }
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('installs and starts both, each with its own docker context', async () => {
    expect(homes[1]!.home).toHaveLength(150);
    for (const h of homes) {
      ok(
        await dlite(
          [
            'install',
            '-c',
            '1',
            '-m',
            '1',
            '-d',
            '4',
            '-S',
            path.join(tmp, 'share'),
            '--os-image',
            IMAGE_DIR,
          ],
          h.env,
        ),
      );
    }
    const starts = await Promise.all(homes.map((h) => dlite(['start'], h.env)));
    for (const r of starts) ok(r);
    const names = homes.map((h) => pathsForHome(h.home).dockerContext);
    expect(new Set(names).size).toBe(2);
    expect(starts[1]!.stdout).toContain(`docker context use ${names[1]}`);
    for (const [i, h] of homes.entries()) {
      const r = ok(await docker(['--context', names[i]!, 'info', '--format', '{{.Name}}'], h.env));
      expect(r.stdout.trim()).not.toBe('');
      const endpoint = ok(
        await docker(['context', 'inspect', names[i]!, '--format', '{{.Endpoints.docker.Host}}'], h.env),
      );
      expect(endpoint.stdout.trim()).toBe(`unix://${pathsForHome(h.home).dockerSocket}`);
    }
    // The long home's sockets live in the short run folder; its env points there.
    const env = ok(await dlite(['env', '--shell', 'bash'], homes[1]!.env));
    expect(env.stdout).toContain(`export DOCKER_HOST=unix://${pathsForHome(homes[1]!.home).dockerSocket}`);
  });

  it('uninstalling one leaves the other running with its context', async () => {
    const [a, b] = homes as [(typeof homes)[0], (typeof homes)[0]];
    ok(await dlite(['uninstall', '--yes'], b.env));
    const nameA = pathsForHome(a.home).dockerContext;
    const nameB = pathsForHome(b.home).dockerContext;
    expect((await docker(['context', 'inspect', nameB], b.env)).code).not.toBe(0);
    ok(await docker(['--context', nameA, 'version', '--format', '{{.Server.Version}}'], a.env));
    expect((await dlite(['status'], a.env)).code).toBe(0);
  });
});

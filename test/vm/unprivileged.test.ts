import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { busyboxRootfsTar } from './helpers/busybox-image.js';
import { CLI, REPO, pidsMatching, runProcess, type CliRun } from './helpers/cli.js';

const IMAGE_DIR = path.join(REPO, 'build/os/out/amd64');
const IMAGE = 'dlite-test/busybox:1';
/** The user the daemon runs as: `nobody` when the suite runs as root, else the suite's own user. */
const AS_ROOT = process.getuid!() === 0;
const UID = AS_ROOT ? 65534 : process.getuid!();
const GID = AS_ROOT ? 65534 : process.getgid!();

describe('a daemon run as a normal user (QEMU, TCG)', () => {
  let tmp: string;
  let home: string;
  let share: string;
  let env: NodeJS.ProcessEnv;

  const ok = (r: CliRun): CliRun => {
    expect(r.code, `exit code\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
    return r;
  };
  /** `dlite ARGS` as that user (DLITE_HOST_INTEGRATION=off, as every test daemon). */
  const dlite = (args: readonly string[]) =>
    AS_ROOT
      ? runProcess(
          'setpriv',
          [`--reuid=${UID}`, `--regid=${GID}`, '--clear-groups', process.execPath, CLI, ...args],
          env,
        )
      : runProcess(process.execPath, [CLI, ...args], env);
  const docker = (args: string[]) => runProcess('docker', args, env);

  beforeAll(async () => {
    if (!existsSync(path.join(IMAGE_DIR, 'manifest.json'))) {
      throw new Error(`No guest OS image in ${IMAGE_DIR}: run 'npm run build:os' first`);
    }
    tmp = await mkdtemp('/tmp/dlu-');
    await chmod(tmp, 0o755);
    home = path.join(tmp, 'h');
    share = path.join(tmp, `shared "q" it's`);
    await mkdir(share);
    await mkdir(path.join(tmp, 'docker-config'));
    for (const p of [tmp, share, path.join(tmp, 'docker-config')]) await chown(p, UID, GID);
    env = {
      PATH: process.env['PATH'],
      HOME: tmp,
      DLITE_HOME: home,
      DLITE_HOST_INTEGRATION: 'off',
      DOCKER_CONFIG: path.join(tmp, 'docker-config'),
      DOCKER_HOST: `unix://${home}/run/docker.sock`,
    };
    ok(await dlite(['install', '-c', '2', '-m', '2', '-d', '8', '-S', share, '--os-image', IMAGE_DIR]));
  });

  afterAll(async () => {
    if (env) await dlite(['uninstall', '--yes']).catch(() => undefined);
    for (const pid of await pidsMatching(home).catch(() => [])) process.kill(pid, 'SIGKILL');
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('boots, and its share gives files to that user, as 9p does', async () => {
    ok(await dlite(['start']));
    const mounts = ok(await dlite(['ssh', '--', 'sh', '-c', 'grep " /tmp/dlu-" /proc/mounts'])).stdout;
    if (existsSync('/usr/lib/qemu/virtiofsd')) {
      // Debian 12's virtiofsd runs only as root: the share is 9p, and doctor says why.
      expect(mounts).toContain(' 9p ');
      expect((await dlite(['doctor'])).stdout).toMatch(
        /shared folder: 9p, the slower share: \/usr\/lib\/qemu\/virtiofsd \(qemu-system-common\) runs only as root/,
      );
    }
    const bb = await busyboxRootfsTar();
    try {
      ok(await docker(['import', '--change', 'CMD ["/bin/sh"]', bb.tar, IMAGE]));
    } finally {
      await bb.cleanup();
    }
    const mount = `${share}:/s`;
    await writeFile(path.join(share, 'host file.txt'), 'first\n');
    await chown(path.join(share, 'host file.txt'), UID, GID);
    ok(await docker(['run', '--rm', '-v', mount, IMAGE, 'sh', '-c', 'echo root > "/s/by root"']));
    await writeFile(path.join(share, 'host file.txt'), 'second\n');
    const asUser = ok(
      await docker([
        'run',
        '--rm',
        '--user',
        `${UID}:${GID}`,
        '-v',
        mount,
        IMAGE,
        'sh',
        '-c',
        'cat "/s/host file.txt"; echo me > "/s/by me"',
      ]),
    );
    expect(asUser.stdout).toBe('second\n');
    for (const name of ['by root', 'by me']) {
      expect((await stat(path.join(share, name))).uid, name).toBe(UID);
    }
    expect(await readFile(path.join(share, 'by me'), 'utf8')).toBe('me\n');
  });
});

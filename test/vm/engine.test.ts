/**
 * The Docker engine across an OS upgrade, then BuildKit and Compose v2 through Dlite's docker.sock.
 *
 * A disk formatted and filled by the bookworm image (Docker 20.10) boots under the trixie image
 * (Docker 26) with its images, containers and volumes intact. On that VM the host's real docker CLI
 * with the buildx and compose plugins (installed by .ci/run) builds with BuildKit, whose `/session`
 * and `/grpc` endpoints are hijacked HTTP/2 connections, all carried by dlite-mux over virtio-serial
 * (the Docker-port transport, no SSH). No registry is reachable from the VM: every base image is
 * imported from a tarball first, and buildx uses its `docker` driver (the engine's own image store).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { MuxForwarder } from '../../electron/core/docker-sock/mux-forward.js';
import { resolvePaths, type DlitePaths } from '../../electron/core/paths.js';

import { busyboxRootfsTar } from './helpers/busybox-image.js';
import { dockerCli } from './helpers/docker.js';
import { b64url, bootVm, guestImage, OS_OUT, OS_OUT_BOOKWORM, sparseDisk, type Vm } from './helpers/qemu.js';
import { generateKey, type SshKey } from './helpers/ssh.js';

const IMAGE = 'dlite-test/busybox:1';
const READY = /^dlite: docker ready/;
const BOOT_TIMEOUT = 180_000;
const BUILD_TIMEOUT = 300_000;
const uuid = randomUUID();

let home: string;
let paths: DlitePaths;
let key: SshKey;
let vm: Vm | undefined;
let mux: MuxForwarder | undefined;
/** What the bookworm engine held before the upgrade. */
const before: { images: string; containers: string } = { images: '', containers: '' };

const env = (): Record<string, string> => ({
  DOCKER_HOST: `unix://${paths.dockerSocket}`,
  DOCKER_CONFIG: path.join(home, 'docker-config'),
});
const { docker, dockerOk } = dockerCli(env);

function params(): string[] {
  return [
    'dlite.hostname=dlite-engine-test',
    `dlite.uuid=${uuid}`,
    `dlite.time=${Math.floor(Date.now() / 1000)}`,
    'dlite.docker_tcp=0',
    `dlite.ssh_key=${b64url(key.publicKey)}`,
  ];
}

/** Boots `image` on the test's disk with the Docker port, and serves docker.sock over it. */
async function bootWithDockerPort(image: string): Promise<Vm> {
  vm = await bootVm({
    dir: home,
    disk: paths.disk,
    cmdline: params(),
    image,
    dockerPortSocket: paths.dockerPortSocket,
  });
  await vm.waitConsole(READY, BOOT_TIMEOUT);
  mux = new MuxForwarder({ channel: paths.dockerPortSocket, paths, log: () => undefined });
  await mux.start(60_000);
  return vm;
}

async function powerOff(): Promise<void> {
  await mux?.stop();
  mux = undefined;
  if (!vm) return;
  await vm.powerdown();
  const exit = await vm.exited;
  expect(exit.code).toBe(0);
  expect(await vm.console()).toContain('dlite: shutdown clean');
  vm = undefined;
}

const imageList = (): Promise<string> =>
  dockerOk(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']).then((s) =>
    s.split('\n').sort().join('\n'),
  );
const containerList = (): Promise<string> =>
  dockerOk(['ps', '-a', '--format', '{{.Names}} {{.Image}}']).then((s) => s.split('\n').sort().join('\n'));

beforeAll(async () => {
  // Fail with the build command when either image is missing.
  expect(guestImage(OS_OUT_BOOKWORM).suite).toBe('bookworm');
  expect(guestImage(OS_OUT).suite).toBe('trixie');
  home = await mkdtemp(path.join(os.tmpdir(), 'dlite-eng-'));
  paths = resolvePaths({ DLITE_HOME: home });
  await mkdir(paths.runDir, { recursive: true, mode: 0o700 });
  await mkdir(path.join(home, 'docker-config'));
  key = await generateKey(home);
  await sparseDisk(paths.disk, 8 * 1024 ** 3);
});

afterAll(async () => {
  await mux?.stop();
  await vm?.kill();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('a disk filled by the bookworm image', () => {
  it('gets images, containers and a volume from Docker 20.10', async () => {
    await bootWithDockerPort(OS_OUT_BOOKWORM);
    expect(await vm!.console()).toContain('dlite: disk formatted');
    expect(await dockerOk(['version', '--format', '{{.Server.Version}}'])).toMatch(/^20\.10\./);
    const bb = await busyboxRootfsTar();
    try {
      await dockerOk(['import', bb.tar, IMAGE], { timeoutMs: 120_000 });
    } finally {
      await bb.cleanup();
    }
    await dockerOk(['volume', 'create', 'keep']);
    await dockerOk(['run', '--rm', '-v', 'keep:/data', IMAGE, 'sh', '-c', 'echo volume-data > /data/v.txt']);
    await dockerOk([
      'run',
      '--name',
      'keeper',
      '-v',
      'keep:/data',
      IMAGE,
      'sh',
      '-c',
      'echo ran; cat /data/v.txt',
    ]);
    await dockerOk(['run', '-d', '--name', 'sleeper', '--restart', 'always', IMAGE, 'sleep', '100000']);
    const ctx = path.join(home, 'classic');
    await mkdir(ctx);
    await writeFile(path.join(ctx, 'Dockerfile'), `FROM ${IMAGE}\nRUN echo built on bookworm > /built.txt\n`);
    await dockerOk(['build', '-t', 'dlite-test/built:1', ctx], { timeoutMs: BUILD_TIMEOUT });
    before.images = await imageList();
    before.containers = await containerList();
    expect(before.images).toMatch(/^dlite-test\/built:1 /m);
    expect(before.containers).toContain('keeper');
    await powerOff();
  });
});

describe('the same disk under the trixie image', () => {
  it('boots Docker 26 with every image, container and volume intact', async () => {
    await bootWithDockerPort(OS_OUT);
    expect(await vm!.console()).toContain('dlite: disk mounted');
    expect(await dockerOk(['version', '--format', '{{.Server.Version}}'])).toMatch(/^26\./);
    expect(await imageList()).toBe(before.images);
    expect(await containerList()).toBe(before.containers);
    expect(await dockerOk(['volume', 'ls', '-q'])).toContain('keep');
    await expect
      .poll(() => dockerOk(['inspect', '-f', '{{.State.Running}}', 'sleeper']), { timeout: 60_000 })
      .toBe('true');
    expect((await dockerOk(['start', '-a', 'keeper'])).split('\n')).toEqual(['ran', 'volume-data']);
    expect(await dockerOk(['run', '--rm', 'dlite-test/built:1', 'cat', '/built.txt'])).toBe(
      'built on bookworm',
    );
    await dockerOk(['rm', '-f', 'sleeper', 'keeper']);
  });
});

describe('BuildKit and Compose v2 through docker.sock (Docker port, trixie engine)', () => {
  const ctx = (): string => path.join(home, 'bk');
  const dockerfile = [
    `FROM ${IMAGE} AS deps`,
    'ARG BUST=1',
    'RUN --mount=type=cache,target=/cache sh -c \'if [ -f /cache/stamp ]; then echo "cache-hit $BUST"; ' +
      'else echo "cache-miss $BUST"; echo first > /cache/stamp; fi; cat /cache/stamp > /deps.txt\'',
    `FROM ${IMAGE} AS other`,
    'RUN echo other-stage > /other.txt',
    `FROM ${IMAGE}`,
    'COPY --from=deps /deps.txt /deps.txt',
    'COPY --from=other /other.txt /other.txt',
    'CMD ["cat", "/deps.txt", "/other.txt"]',
  ].join('\n');

  /** A line the step printed, as `--progress=plain` shows it (`#5 2.438 cache-miss 1`), not the command. */
  const ran = (text: string): RegExp => new RegExp(`^#\\d+ \\d+\\.\\d+ ${text}`, 'm');

  async function buildx(extra: string[] = []): Promise<string> {
    const r = await docker(
      ['buildx', 'build', '--progress=plain', '-t', 'dlite-test/bk:1', ...extra, ctx()],
      {
        timeoutMs: BUILD_TIMEOUT,
      },
    );
    if (r.exitCode !== 0) throw new Error(`docker buildx build exited ${r.exitCode}:\n${r.stderr}`);
    return r.stderr;
  }

  it('builds a multi-stage Dockerfile with a cache mount, with buildx on the docker driver', async () => {
    await mkdir(ctx());
    await writeFile(path.join(ctx(), 'Dockerfile'), `${dockerfile}\n`);
    expect(await dockerOk(['buildx', 'inspect'])).toMatch(/^Driver:\s+docker$/m);
    const log = await buildx();
    expect(log).toMatch(ran('cache-miss 1'));
    expect(log).not.toMatch(ran('cache-hit'));
    expect((await dockerOk(['run', '--rm', 'dlite-test/bk:1'])).split('\n')).toEqual([
      'first',
      'other-stage',
    ]);
  });

  it('hits the layer cache on a second build, and the cache mount when the step runs again', async () => {
    const again = await buildx();
    expect(again).toMatch(/RUN --mount=type=cache[^\n]*\n#\d+ CACHED/);
    expect(again).not.toMatch(ran('cache-'));
    const busted = await buildx(['--build-arg', 'BUST=2']);
    expect(busted).toMatch(ran('cache-hit 2'));
  });

  it('reports the build cache with docker buildx du', async () => {
    const du = await dockerOk(['buildx', 'du', '--verbose']);
    expect(du).toMatch(/exec\.cachemount/);
    expect(await dockerOk(['buildx', 'du'])).toMatch(/^Total:\s+\S+/m);
  });

  it('runs docker compose up -d --build with two services that reach each other by name', async () => {
    const project = path.join(home, 'compose');
    await mkdir(path.join(project, 'web'), { recursive: true });
    await writeFile(path.join(project, 'web', 'index.html'), 'hello from compose\n');
    await writeFile(
      path.join(project, 'web', 'Dockerfile'),
      `FROM ${IMAGE}\nCOPY index.html /www/index.html\nCMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n`,
    );
    await writeFile(
      path.join(project, 'compose.yaml'),
      [
        'services:',
        '  web:',
        '    build: ./web',
        '    image: dlite-test/compose-web:1',
        '    pull_policy: build',
        '  client:',
        `    image: ${IMAGE}`,
        '    pull_policy: never',
        '    depends_on: [web]',
        '    command: ["sh", "-c", "until wget -q -O /tmp/got http://web/index.html; do sleep 1; done; sleep 600"]',
        '',
      ].join('\n'),
    );
    const compose = (args: string[], timeoutMs = 60_000) =>
      dockerOk(['compose', '--project-directory', project, '-p', 'dlitetest', ...args], { timeoutMs });
    await compose(['up', '-d', '--build'], BUILD_TIMEOUT);
    expect((await compose(['ps', '--services', '--status', 'running'])).split('\n').sort()).toEqual([
      'client',
      'web',
    ]);
    await expect
      .poll(() => compose(['exec', '-T', 'client', 'cat', '/tmp/got']).catch(() => ''), { timeout: 60_000 })
      .toBe('hello from compose');
    await compose(['down'], 120_000);
    expect(await dockerOk(['ps', '-q', '--filter', 'label=com.docker.compose.project=dlitetest'])).toBe('');
  });

  it('kept the Docker port up throughout, with no error on the console, and powers off cleanly', async () => {
    expect(mux?.state).toBe('running');
    const log = await readFile(path.join(home, 'console.log'), 'utf8');
    expect(log).not.toMatch(/dlite: error/);
    await powerOff();
  });
});

import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ForwarderState } from '../../electron/core/docker-sock/ssh-forward.js';
import { MuxForwarder } from '../../electron/core/docker-sock/mux-forward.js';
import { type DlitePaths, resolvePaths } from '../../electron/core/paths.js';
import { ensureSshKey } from '../../electron/core/ssh/keys.js';
import { hostKeyAlias } from '../../electron/core/ssh/ssh-args.js';
import { SshClient } from '../../electron/core/ssh/ssh-client.js';

import { busyboxRootfsTar } from './helpers/busybox-image.js';
import { dockerCli, dockerEnvFor } from './helpers/docker.js';
import { bootGuest, type BootedGuest } from './helpers/host-side-boot.js';

// docker.sock over the guest's virtio-serial port (build/os/mux/PROTOCOL.md): the host half
// (MuxForwarder) against the real dlite-mux agent and dockerd in the real guest, used by the real
// docker CLI. SSH is used only to look inside the guest.
const IMAGE = 'dlite-test/busybox:1';
const uuid = randomUUID();
let home: string;
let paths: DlitePaths;
let guest: BootedGuest;
let ssh: SshClient;
let mux: MuxForwarder;
let dockerEnv: Record<string, string>;
const states: ForwarderState[] = [];
const logs: string[] = [];

const { docker, dockerOk } = dockerCli(() => dockerEnv);

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'dlite-dp-'));
  paths = resolvePaths({ DLITE_HOME: home });
  await mkdir(paths.runDir, { recursive: true, mode: 0o700 });
  const key = await ensureSshKey(paths);
  guest = await bootGuest({
    dir: home,
    uuid,
    publicKey: key.publicKey,
    dockerPortSocket: paths.dockerPortSocket,
  });
  // As the supervisor does, the forward starts once the guest is up (its agent answers the HELLO
  // within the forwarder's 15 s then); a boot on a busy machine can take longer than that.
  await guest.waitConsole(/dlite: docker ready/, 200_000);
  ssh = new SshClient({
    paths,
    endpoint: { host: '127.0.0.1', port: guest.sshPort },
    hostKeyAlias: hostKeyAlias(uuid),
  });
  mux = new MuxForwarder({ channel: paths.dockerPortSocket, paths, log: (l) => logs.push(l) });
  mux.onDidChangeState((s) => states.push(s));
  dockerEnv = dockerEnvFor(home, paths.dockerSocket);
});

afterAll(async () => {
  await mux?.stop();
  await ssh?.close();
  await guest?.kill();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('docker.sock over the Docker port (real agent, real dockerd)', () => {
  it('handshakes with the agent and serves a 0600 docker.sock the docker CLI uses, with no ssh', async () => {
    await mux.start(180_000);
    expect(states).toEqual(['starting', 'running']);
    expect(mux.pid).toBeUndefined();
    expect((await stat(paths.dockerSocket)).mode & 0o777).toBe(0o600);
    const bb = await busyboxRootfsTar();
    try {
      await dockerOk(['import', bb.tar, IMAGE], { timeoutMs: 120_000 });
    } finally {
      await bb.cleanup();
    }
    expect((await dockerOk(['run', '--rm', IMAGE, 'echo', 'over the port'])).trim()).toBe('over the port');
  });

  it('carries stdin with its end of file (run -i, exec -i of 16 MiB) and streams logs -f', async () => {
    expect((await dockerOk(['run', '--rm', '-i', IMAGE, 'wc', '-l'], { input: 'a\nb\nc\n' })).trim()).toBe(
      '3',
    );
    await dockerOk(['run', '-d', '--name', 'sleeper', IMAGE, 'sleep', '600']);
    const blob = Buffer.alloc(16 * 1024 * 1024, 'x');
    const counted = await dockerOk(['exec', '-i', 'sleeper', 'wc', '-c'], {
      input: blob,
      timeoutMs: 180_000,
    });
    expect(counted.trim()).toBe(String(blob.length));
    await dockerOk([
      'run',
      '-d',
      '--name',
      'ticker',
      IMAGE,
      'sh',
      '-c',
      'for i in $(seq 1 50); do echo tick $i; sleep 0.1; done; sleep 600',
    ]);
    const follow = execa('docker', ['logs', '-f', 'ticker'], {
      env: dockerEnv,
      reject: false,
      buffer: false,
    });
    const seen = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`logs -f saw only: ${out}`)), 60_000);
      follow.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('tick 50')) {
          clearTimeout(timer);
          resolve(out);
        }
      });
    });
    follow.kill();
    expect(seen.split('\n').filter((l) => l.startsWith('tick')).length).toBe(50);
    await dockerOk(['rm', '-f', 'sleeper', 'ticker']);
  });

  it('uploads a build context and runs 8 docker commands at once', async () => {
    const ctx = path.join(home, 'ctx');
    await mkdir(ctx);
    await writeFile(path.join(ctx, 'payload.bin'), Buffer.alloc(8 * 1024 * 1024, 1));
    await writeFile(
      path.join(ctx, 'Dockerfile'),
      `FROM ${IMAGE}\nCOPY payload.bin /payload.bin\nRUN wc -c /payload.bin\n`,
    );
    const build = await dockerOk(['build', '-t', 'dlite-test/ctx:1', ctx], { timeoutMs: 300_000 });
    expect(build).toMatch(/8388608 \/payload\.bin/);
    const runs = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        dockerOk(['run', '--rm', IMAGE, 'echo', `run ${i}`], { timeoutMs: 180_000 }),
      ),
    );
    expect(runs.map((r) => r.trim())).toEqual(Array.from({ length: 8 }, (_, i) => `run ${i}`));
  });

  it('keeps the port out of containers and root-only in the guest', async () => {
    const inContainer = await docker([
      'run',
      '--rm',
      IMAGE,
      'sh',
      '-c',
      'ls /dev/vport* /dev/virtio-ports 2>&1; true',
    ]);
    expect(inContainer.stdout).toMatch(/No such file or directory/);
    expect(inContainer.stdout).not.toMatch(/^\/dev\/vport\d+p\d+$/m);
    await ssh.waitReady(120_000);
    const dev = await ssh.exec(
      'for f in /sys/class/virtio-ports/*; do [ "$(cat $f/name)" = io.dlite.docker ] && stat -c "%a %U" /dev/${f##*/}; done',
    );
    expect(dev.stdout.trim()).toBe('600 root');
  });

  it('survives the agent restarting: the host drops the old streams and serves new ones', async () => {
    const before = await ssh.exec('pidof dlite-mux');
    expect(before.stdout.trim()).toMatch(/^\d+$/);
    expect((await ssh.exec(['sudo', 'kill', before.stdout.trim()])).exitCode).toBe(0);
    const deadline = Date.now() + 60_000;
    let after = '';
    while (Date.now() < deadline) {
      after = (await ssh.exec('pidof dlite-mux')).stdout.trim();
      if (after && after !== before.stdout.trim()) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(after).toMatch(/^\d+$/);
    expect(after).not.toBe(before.stdout.trim());
    let answer = '';
    while (Date.now() < deadline && answer !== 'OK') {
      answer = await mux.api.ping({ timeoutMs: 5_000 }).catch(() => '');
    }
    expect(answer).toBe('OK');
    expect(mux.state).toBe('running');
    expect((await dockerOk(['run', '--rm', IMAGE, 'echo', 'again'])).trim()).toBe('again');
  });
});

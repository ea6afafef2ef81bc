import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { applyDaemonConfig, DAEMON_JSON } from '../../electron/core/engine/daemon-json.js';
import { applyDockerArgs } from '../../electron/core/engine/engine-flags.js';
import { syncGuestClock } from '../../electron/core/engine/guest-clock.js';
import { ensureDockerContext } from '../../electron/core/docker-context/docker-context.js';
import { DockerSocketForwarder, type ForwarderState } from '../../electron/core/docker-sock/ssh-forward.js';
import { PublishedPortForwarder } from '../../electron/core/published-ports/port-forwarder.js';
import { QmpClient } from '../../electron/core/drivers/qemu/qmp.js';
import { createGuestExecutor, type GuestExecutor } from '../../electron/core/guest/guest-executor.js';
import { type DlitePaths, resolvePaths } from '../../electron/core/paths.js';
import { ensureSshKey } from '../../electron/core/ssh/keys.js';
import { hostKeyAlias, type SshTarget } from '../../electron/core/ssh/ssh-args.js';
import { SshClient } from '../../electron/core/ssh/ssh-client.js';
import { SshError } from '../../electron/core/ssh/ssh-error.js';

import { busyboxRootfsTar } from './helpers/busybox-image.js';
import { dockerCli, dockerEnvFor } from './helpers/docker.js';
import { bootGuest, type BootedGuest } from './helpers/host-side-boot.js';

const IMAGE = 'dlite-test/busybox:1';
const uuid = randomUUID();
let home: string;
let paths: DlitePaths;
let guest: BootedGuest;
let target: SshTarget & { readonly paths: DlitePaths };
let ssh: SshClient;
let executor: GuestExecutor;
let forwarder: DockerSocketForwarder;
let dockerEnv: Record<string, string>;
const states: ForwarderState[] = [];

const { dockerOk } = dockerCli(() => dockerEnv);

async function until(what: string, ok: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'dlite-hs-'));
  paths = resolvePaths({ DLITE_HOME: home });
  await mkdir(paths.runDir, { recursive: true, mode: 0o700 });
  const key = await ensureSshKey(paths);
  guest = await bootGuest({ dir: home, uuid, publicKey: key.publicKey });
  target = { paths, endpoint: { host: '127.0.0.1', port: guest.sshPort }, hostKeyAlias: hostKeyAlias(uuid) };
  ssh = new SshClient(target);
  executor = createGuestExecutor(ssh);
  forwarder = new DockerSocketForwarder({ target, log: (l) => console.log(`[forwarder] ${l}`) });
  forwarder.onDidChangeState((s) => states.push(s));
  dockerEnv = dockerEnvFor(home, paths.dockerSocket);
});

afterAll(async () => {
  await forwarder?.stop();
  await ssh?.close();
  await guest?.kill();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('host side of the VM (real guest under QEMU)', () => {
  it('logs in with the generated key, pins the host key and quotes argv safely', async () => {
    await ssh.waitReady(180_000);
    const known = await readFile(paths.knownHosts, 'utf8');
    expect(known).toMatch(new RegExp(`^dlite-${uuid} ssh-ed25519 `, 'm'));
    const argv = ['printf', '%s\\n', 'two words', "it's", '$HOME $(id)', '*'];
    const r = await ssh.exec(argv);
    expect(r).toEqual({ stdout: "two words\nit's\n$HOME $(id)\n*\n", stderr: '', exitCode: 0 });
    expect((await ssh.exec(['id', '-un'])).stdout.trim()).toBe('docker');
    expect((await ssh.exec('exit 7')).exitCode).toBe(7);
    expect((await ssh.exec(['cat'], { input: 'piped\n' })).stdout).toBe('piped\n');
  });

  it('reuses one connection: an exec after the first costs a round trip, not a handshake', async () => {
    const started = Date.now();
    for (let i = 0; i < 5; i++) await ssh.exec(['true']);
    const perExec = (Date.now() - started) / 5;
    console.log(`multiplexed exec: ${perExec.toFixed(0)} ms`);
    const direct = new SshClient(target, { multiplex: false });
    const t0 = Date.now();
    await direct.exec(['true']);
    console.log(`exec with a fresh connection: ${Date.now() - t0} ms`);
    expect(perExec).toBeLessThan(Date.now() - t0);
  });

  it('refuses a VM whose host key does not match the pin, with an actionable error', async () => {
    const other = path.join(home, 'other');
    await mkdir(other, { mode: 0o700 });
    const fakeHostKey = path.join(other, 'fake_host_key');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', fakeHostKey]);
    const knownHosts = path.join(other, 'known_hosts');
    await writeFile(knownHosts, `dlite-${uuid} ${(await readFile(`${fakeHostKey}.pub`, 'utf8')).trim()}\n`);
    const tampered = new SshClient({ ...target, paths: { ...paths, knownHosts, runDir: other } });
    const started = Date.now();
    const error = await tampered.waitReady(60_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SshError);
    expect((error as SshError).code).toBe('ssh-failed');
    expect((error as SshError).message).toBe(
      `The VM's SSH host key changed; run 'dlite uninstall' or remove the line for dlite-${uuid} from ${knownHosts}`,
    );
    expect(Date.now() - started).toBeLessThan(30_000);
    await tampered.close();
  });

  it('forwards the Docker socket (0600) and the host docker CLI works through it', async () => {
    await forwarder.start(180_000);
    expect(forwarder.state).toBe('running');
    const st = await stat(paths.dockerSocket);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect((await stat(paths.runDir)).mode & 0o777).toBe(0o700);
    expect(await forwarder.api.ping()).toBe('OK');
    const version = await dockerOk(['version', '--format', '{{.Server.Version}}']);
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('carries import, run, attach with stdin, exec and build', async () => {
    const bb = await busyboxRootfsTar();
    try {
      await dockerOk(['import', bb.tar, IMAGE], { timeoutMs: 120_000 });
    } finally {
      await bb.cleanup();
    }
    expect((await dockerOk(['run', '--rm', IMAGE, 'echo', 'hello from the VM'])).trim()).toBe(
      'hello from the VM',
    );
    expect(await dockerOk(['run', '--rm', '-i', IMAGE, 'wc', '-l'], { input: 'a\nb\nc\n' })).toMatch(
      /^\s*3\s*$/,
    );

    await dockerOk(['run', '-d', '--name', 'sleeper', IMAGE, 'sleep', '600']);
    expect((await dockerOk(['exec', 'sleeper', 'echo', 'exec ok'])).trim()).toBe('exec ok');
    expect(await dockerOk(['exec', '-i', 'sleeper', 'cat'], { input: 'round trip\n' })).toBe('round trip');
    await dockerOk(['rm', '-f', 'sleeper']);

    const ctx = path.join(home, 'build-ctx');
    await mkdir(ctx);
    await writeFile(path.join(ctx, 'Dockerfile'), `FROM ${IMAGE}\nRUN echo hi > /x\n`);
    await dockerOk(['build', '-q', '-t', 'dlite-test/built:1', ctx], { timeoutMs: 120_000 });
    expect((await dockerOk(['run', '--rm', 'dlite-test/built:1', 'cat', '/x'])).trim()).toBe('hi');
  });

  it('streams docker logs -f line by line as the container writes', async () => {
    await dockerOk([
      'run',
      '-d',
      '--name',
      'ticker',
      IMAGE,
      'sh',
      '-c',
      'for i in 1 2 3 4; do echo tick$i; sleep 1; done',
    ]);
    const follow = execa('docker', ['logs', '-f', 'ticker'], {
      env: dockerEnv,
      reject: false,
      timeout: 60_000,
    });
    const arrivals: { line: string; at: number }[] = [];
    follow.stdout.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n').filter(Boolean)) arrivals.push({ line, at: Date.now() });
    });
    const r = await follow;
    expect(r.exitCode).toBe(0);
    expect(arrivals.map((a) => a.line)).toEqual(['tick1', 'tick2', 'tick3', 'tick4']);
    // Lines came as written (about 1 s apart), not in one batch at the end.
    expect(arrivals[3]!.at - arrivals[0]!.at).toBeGreaterThan(1_500);
    await dockerOk(['rm', '-f', 'ticker']);
  });

  it('brings the forward back after its ssh process dies', async () => {
    const pid = forwarder.pid!;
    states.length = 0;
    process.kill(pid, 'SIGKILL');
    await until(
      'the forward to restart',
      () => forwarder.state === 'running' && forwarder.pid !== pid,
      60_000,
    );
    expect(states).toEqual(['restarting', 'running']);
    expect((await dockerOk(['version', '--format', '{{.Server.Version}}'])).trim()).toMatch(/^\d+\./);
  });

  it('serves the dlite docker context without switching the current one', async () => {
    const env = { DOCKER_CONFIG: path.join(home, 'ctx-config') };
    expect(
      await ensureDockerContext({ name: 'dlite', socketPath: paths.dockerSocket }, { use: false, env }),
    ).toEqual({
      status: 'created',
      current: false,
    });
    const r = await execa('docker', ['--context', 'dlite', 'version', '--format', '{{.Server.Version}}'], {
      env: { ...env, DOCKER_HOST: '' },
      reject: false,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^\d+\./);
  });

  it('makes a published container port reachable on 127.0.0.1 and removes it with the container', async () => {
    const qmp = await QmpClient.connect(guest.qmpSocket);
    const ports = new PublishedPortForwarder({
      api: forwarder.api,
      forward: (h, g) => qmp.hostfwdAdd(h, g),
      unforward: (h) => qmp.hostfwdRemove(h),
      log: (l) => console.log(`[ports] ${l}`),
    });
    try {
      await ports.start();
      await dockerOk([
        ...['run', '-d', '--name', 'web', '-p', '18080:8080', IMAGE],
        ...['sh', '-c', 'echo served-by-dlite > /www/index.html && exec httpd -f -p 8080 -h /www'],
      ]);
      await until('the forward of 18080', () => ports.forwarded.get(18080) === 18080, 30_000);
      let body = '';
      await until(
        'httpd through 127.0.0.1:18080',
        async () => {
          body = await fetch('http://127.0.0.1:18080/index.html', { signal: AbortSignal.timeout(5_000) })
            .then((res) => res.text())
            .catch(() => '');
          return body !== '';
        },
        30_000,
      );
      expect(body).toBe('served-by-dlite\n');

      await dockerOk(['rm', '-f', 'web']);
      await until('the forward of 18080 to go', () => !ports.forwarded.has(18080), 30_000);
      const after = await fetch('http://127.0.0.1:18080/index.html', {
        signal: AbortSignal.timeout(5_000),
      }).then(
        () => 'answered',
        () => 'refused',
      );
      expect(after).toBe('refused');
    } finally {
      await ports.stop();
      qmp.close();
    }
  });

  it('applies registry mirrors live, keeping user keys, and never overwrites a broken daemon.json', async () => {
    await ssh.exec(['sudo', 'sh', '-c', `printf '{broken' > ${DAEMON_JSON}`]);
    const broken = await applyDaemonConfig(executor, forwarder.api, {
      registry_mirrors: ['https://mirror.example.com'],
      dns: [],
    }).catch((e: unknown) => e as Error);
    expect((broken as Error).message).toContain(`${DAEMON_JSON} in the VM is not valid JSON`);
    expect((await ssh.exec(['sudo', 'cat', DAEMON_JSON])).stdout).toBe('{broken');

    await ssh.exec(['sudo', 'sh', '-c', `echo '{"max-concurrent-downloads": 4}' > ${DAEMON_JSON}`]);
    const result = await applyDaemonConfig(executor, forwarder.api, {
      registry_mirrors: ['https://mirror.example.com'],
      dns: [],
    });
    expect(result.changed).toBe(true);
    expect(result.mirrors).toEqual(['https://mirror.example.com']);
    const info = await dockerOk(['info', '--format', '{{json .RegistryConfig.Mirrors}}']);
    expect(JSON.parse(info)).toEqual(['https://mirror.example.com/']);
    const file = JSON.parse((await ssh.exec(['sudo', 'cat', DAEMON_JSON])).stdout) as Record<string, unknown>;
    expect(file).toEqual({
      'max-concurrent-downloads': 4,
      'registry-mirrors': ['https://mirror.example.com'],
    });
    const again = await applyDaemonConfig(executor, forwarder.api, {
      registry_mirrors: ['https://mirror.example.com'],
      dns: [],
    });
    expect(again.changed).toBe(false);
  });

  it('writes guest files as root, atomically, with their mode, and reads them back', async () => {
    await executor.writeFile('/etc/dlite-test/a b.conf', 'line one\n', 0o640);
    expect(await executor.readFile('/etc/dlite-test/a b.conf')).toBe('line one\n');
    const st = await ssh.exec(['sudo', 'stat', '-c', '%a %U', '/etc/dlite-test/a b.conf']);
    expect(st.stdout.trim()).toBe('640 root');
    expect(await executor.readFile('/etc/dlite-test/missing')).toBeNull();
    expect((await executor.exec(['ls', '/etc/dlite-test'])).stdout.trim()).toBe('a b.conf');
  });

  it('restarts dockerd with extra DOCKER_ARGS', async () => {
    expect(await applyDockerArgs(executor, forwarder.api, ['--debug'])).toEqual({ changed: true });
    expect((await dockerOk(['info', '--format', '{{.Debug}}'])).trim()).toBe('true');
    expect(await applyDockerArgs(executor, forwarder.api, ['--debug'])).toEqual({ changed: false });
  });

  it('syncs a wrong guest clock to the host', async () => {
    await ssh.exec(['sudo', 'date', '-u', '-s', '@1000000000']);
    const sync = await syncGuestClock(executor);
    console.log(`clock offset before ${sync.offsetBeforeMs} ms, after ${sync.offsetAfterMs} ms`);
    expect(sync.offsetBeforeMs).toBeLessThan(-1_000_000_000);
    expect(Math.abs(sync.offsetAfterMs)).toBeLessThan(2_000);
  });
});

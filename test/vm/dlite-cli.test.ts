import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { busyboxRootfsTar } from './helpers/busybox-image.js';
import { CLI, REPO, dlite, pidsMatching, runProcess, waitFor, type CliRun } from './helpers/cli.js';

const IMAGE_DIR = path.join(REPO, 'build/os/out/amd64');
const IMAGE = 'dlite-test/busybox:1';

interface StatusJson {
  state: string;
  failure: { step: string; lastConsoleLines: string[] } | null;
  hostPid: number | null;
  dockerEndpoint: string | null;
  dockerTransport: string | null;
  engineUnresponsiveSince: string | null;
}

describe('dlite CLI against a real VM (QEMU, TCG)', () => {
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  let home: string;

  /** How many times a daemon served docker.sock over the Docker port, from dlite.log. */
  async function portLines(): Promise<number> {
    const text = await readFile(path.join(home, 'log/dlite.log'), 'utf8');
    return text.split('\n').filter((l) => l.includes("docker.sock served over the VM's Docker port")).length;
  }

  let share: string;

  const ok = (r: CliRun): CliRun => {
    expect(r.code, `exit code\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
    return r;
  };
  const docker = (args: string[], opts: { input?: string; timeoutMs?: number } = {}) =>
    runProcess('docker', args, env, opts);
  const status = async (): Promise<StatusJson> =>
    JSON.parse((await dlite(['status', '--json'], env)).stdout) as StatusJson;
  const qemuPids = () =>
    pidsMatching(path.join(home, 'disk.img')).then(async (pids) => {
      const out: number[] = [];
      for (const pid of pids) {
        const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (cmd.startsWith('qemu-system') || cmd.includes('/qemu-system')) out.push(pid);
      }
      return out;
    });

  beforeAll(async () => {
    if (!existsSync(path.join(IMAGE_DIR, 'manifest.json'))) {
      throw new Error(`No guest OS image in ${IMAGE_DIR}: run 'npm run build:os' first`);
    }
    // Short paths: unix socket paths must stay under 104 bytes.
    tmp = await mkdtemp('/tmp/dl-');
    home = path.join(tmp, 'h');
    // A share path with spaces and quotes travels base64url-encoded on the kernel command line.
    share = path.join(tmp, `my share "q" it's`);
    await mkdir(path.join(share, 'project'), { recursive: true });
    await mkdir(path.join(tmp, 'docker-config'));
    env = {
      ...process.env,
      DLITE_HOME: home,
      // Daemons started here (also through `script`) leave the machine's /etc/hosts alone.
      DLITE_HOST_INTEGRATION: 'off',
      DOCKER_CONFIG: path.join(tmp, 'docker-config'),
      DOCKER_HOST: `unix://${home}/run/docker.sock`,
    };
  });

  // Keep the logs of a failing test for diagnosis (CI keeps test-results/).
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    const keep = path.join(REPO, 'test-results', 'dlite-cli');
    await mkdir(keep, { recursive: true });
    for (const name of ['console.log', 'console.log.1', 'dlite.log', 'daemon.out']) {
      await copyFile(path.join(home, 'log', name), path.join(keep, name)).catch(() => undefined);
    }
  });

  afterAll(async () => {
    if (env) await dlite(['uninstall', '--yes'], env).catch(() => undefined);
    for (const pid of await qemuPids().catch(() => [])) process.kill(pid, 'SIGKILL');
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('installs: config, key, sparse disk, OS image', async () => {
    const r = ok(
      await dlite(['install', '-c', '2', '-m', '2', '-d', '8', '-S', share, '--os-image', IMAGE_DIR], env),
    );
    expect(r.stdout).toMatch(/Dlite is installed in .*: 2 CPU, 2 GiB memory, 8 GiB disk/);
    const config = JSON.parse(await readFile(path.join(home, 'config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(config).toMatchObject({ cpu_count: 2, memory: 2, disk_size: 8, share, hostname: 'local.docker' });
    expect(existsSync(path.join(home, 'ssh/id_ed25519'))).toBe(true);
    const manifest = JSON.parse(await readFile(path.join(IMAGE_DIR, 'manifest.json'), 'utf8')) as {
      version: string;
    };
    expect(JSON.parse(await readFile(path.join(home, 'os/current'), 'utf8'))).toMatchObject({
      version: manifest.version,
    });
    expect(JSON.parse(await readFile(path.join(home, '.dlite-manifest.json'), 'utf8'))).toMatchObject({
      createdHome: true,
      entries: expect.arrayContaining(['config.json', 'disk.img', 'os', 'ssh']),
    });
  });

  it('boots one VM for three concurrent starts and answers Docker', async () => {
    // One of them with stdout on a terminal and stderr in a file: progress must stay plain there.
    const errFile = path.join(tmp, 'start.err');
    const starts = await Promise.all([
      dlite(['start'], env),
      dlite(['start'], env),
      runProcess('script', ['-qec', `${process.execPath} ${CLI} start 2>${errFile}`, '/dev/null'], env),
    ]);
    for (const r of starts) ok(r);
    expect(starts[0].stdout).toContain(`Docker: unix://${home}/run/docker.sock`);
    const progress = await readFile(errFile, 'utf8');
    expect(progress).toMatch(/^\[\d\/8\] /m);
    expect(progress).not.toContain('\x1b');
    expect(await qemuPids()).toHaveLength(1);
    const s = await status();
    expect(s.state).toBe('running');
    expect(s.dockerTransport).toBe('virtio-serial');
    const text = await dlite(['status'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      `docker:     unix://${home}/run/docker.sock (via the VM's Docker port, virtio-serial)`,
    );
    expect((await dlite(['env'], env)).stdout).toContain(`export DOCKER_HOST=unix://${home}/run/docker.sock`);
    ok(await docker(['version', '--format', '{{.Server.Version}}']));
    // docker.sock is served over the VM's virtio-serial Docker port, not an ssh -L forward.
    expect(await portLines()).toBe(1);
    expect(await readFile(path.join(home, 'log/dlite.log'), 'utf8')).not.toContain('forwarded over SSH');
  });

  it('runs, execs, streams logs, attaches stdin and builds through the forwarded socket', async () => {
    const bb = await busyboxRootfsTar();
    try {
      ok(await docker(['import', '--change', 'CMD ["/bin/sh"]', bb.tar, IMAGE]));
    } finally {
      await bb.cleanup();
    }
    expect((await docker(['run', '--rm', IMAGE, 'echo', 'hello from dlite'])).stdout.trim()).toBe(
      'hello from dlite',
    );
    expect(
      (await docker(['run', '--rm', '-i', IMAGE, 'wc', '-c'], { input: 'twelve bytes' })).stdout.trim(),
    ).toBe('12');

    ok(
      await docker([
        'run',
        '-d',
        '--name',
        'ticker',
        IMAGE,
        'sh',
        '-c',
        'for i in 1 2 3 4 5 6 7 8 9 10; do echo tick $i; sleep 1; done; sleep 60',
      ]),
    );
    expect((await docker(['exec', 'ticker', 'cat', '/bin/busybox'])).code).toBe(0);
    // logs -f: lines must arrive while the container is still producing them.
    const follow = spawn('docker', ['logs', '-f', 'ticker'], { env });
    const seen: number[] = [];
    follow.stdout.on('data', (d: Buffer) => {
      for (const _ of d.toString().matchAll(/tick \d+/g)) seen.push(Date.now());
    });
    await waitFor('three streamed lines', () => (seen.length >= 3 ? true : undefined), 30_000);
    follow.kill();
    ok(await docker(['rm', '-f', 'ticker']));

    const ctx = path.join(tmp, 'build-ctx');
    await mkdir(ctx);
    await writeFile(path.join(ctx, 'Dockerfile'), `FROM ${IMAGE}\nRUN echo built-by-dlite > /built.txt\n`);
    ok(await docker(['build', '-q', '-t', 'dlite-test/built:1', ctx], { timeoutMs: 180_000 }));
    expect((await docker(['run', '--rm', 'dlite-test/built:1', 'cat', '/built.txt'])).stdout.trim()).toBe(
      'built-by-dlite',
    );
  });

  it('bind-mounts a folder under the share at the same path', async () => {
    const project = path.join(share, 'project');
    await writeFile(path.join(project, 'note.txt'), 'shared from the host\n');
    const r = ok(await docker(['run', '--rm', '-v', `${project}:/data`, IMAGE, 'cat', '/data/note.txt']));
    expect(r.stdout).toBe('shared from the host\n');
  });

  it('answers a published port on 127.0.0.1', async () => {
    const www = path.join(share, 'www');
    await mkdir(www);
    await writeFile(path.join(www, 'index.html'), 'published!');
    ok(
      await docker([
        'run',
        '-d',
        '--name',
        'web',
        '-p',
        '18080:8080',
        '-v',
        `${www}:/www`,
        IMAGE,
        'httpd',
        '-f',
        '-p',
        '8080',
        '-h',
        '/www',
      ]),
    );
    const body = await waitFor(
      'the published port',
      async () => {
        const res = await fetch('http://127.0.0.1:18080/index.html');
        return res.ok ? res.text() : undefined;
      },
      30_000,
    );
    expect(body).toBe('published!');
    ok(await docker(['rm', '-f', 'web']));
    await waitFor(
      'the forward to go away',
      async () => {
        try {
          await fetch('http://127.0.0.1:18080/index.html', { signal: AbortSignal.timeout(2000) });
          return undefined;
        } catch {
          return true;
        }
      },
      20_000,
    );
  });

  it('applies registry mirrors without a restart', async () => {
    const r = ok(await dlite(['config', 'set', 'registry_mirrors', 'https://mirror.example.com'], env));
    expect(r.stdout).toContain('applied to the running VM: registry_mirrors');
    const info = ok(await docker(['info', '--format', '{{json .RegistryConfig.Mirrors}}']));
    expect(info.stdout).toContain('https://mirror.example.com/');
  });

  it('passes ssh commands, their arguments and exit codes through, with or without --', async () => {
    expect((await dlite(['ssh', '--', 'echo', 'hi from the vm'], env)).stdout.trim()).toBe('hi from the vm');
    expect((await dlite(['ssh', '--', 'sh', '-c', 'exit 7'], env)).code).toBe(7);
    for (const args of [
      ['ssh', 'df', '-h', '/'],
      ['ssh', '--', 'df', '-h', '/'],
    ]) {
      const r = ok(await dlite(args, env));
      expect(r.stdout).toMatch(/^Filesystem +Size/);
    }
    const words = ok(await dlite(['ssh', 'sh', '-c', 'printf "%s|" "$@"', '_', 'a  b', '$HOME', '-p'], env));
    expect(words.stdout).toBe('a  b|$HOME|-p|');
  });

  it('takes docker_args flags as they are and applies them after a restart', async () => {
    const r = ok(await dlite(['config', 'set', 'docker_args', '--debug'], env));
    expect(r.stdout).toContain("Saved. Restart the VM to apply: docker_args ('dlite restart').");
    expect((await dlite(['config', 'get', 'docker_args'], env)).stdout.trim()).toBe('--debug');
  });

  it('notices a killed QEMU, shows the console, and auto-restarts', async () => {
    ok(await dlite(['config', 'set', 'auto_restart', 'true'], env));
    const [pid] = await qemuPids();
    process.kill(pid!, 'SIGKILL');
    const failed = await waitFor(
      'state error',
      async () => {
        const s = await status();
        return s.state === 'error' ? s : undefined;
      },
      20_000,
    );
    expect(failed.failure?.step).toBe('running');
    expect(failed.failure?.lastConsoleLines.length).toBeGreaterThan(0);
    await waitFor(
      'auto-restart to running',
      async () => ((await status()).state === 'running' ? true : undefined),
      180_000,
    );
    expect(await qemuPids()).toHaveLength(1);
    ok(await dlite(['config', 'set', 'auto_restart', 'false'], env));
  });

  it('adopts the VM after the daemon is killed, never running two QEMUs', async () => {
    const before = await status();
    const [qemu] = await qemuPids();
    const served = await portLines();
    process.kill(before.hostPid!, 'SIGKILL');
    // Without a daemon, status reads the files: the VM still runs, and nothing hosts it.
    const orphan = await waitFor('the daemon to be gone', async () => {
      const s = await status();
      return s.hostPid === null ? s : undefined;
    });
    expect(orphan.state).toBe('error');
    expect(orphan.failure?.step).toBe('host');
    expect((await dlite(['status'], env)).code).toBe(1);
    ok(await dlite(['start'], env));
    const after = await status();
    expect(after.hostPid).not.toBe(before.hostPid);
    expect(after.state).toBe('running');
    expect(await qemuPids()).toEqual([qemu]);
    ok(await docker(['version']));
    expect(await portLines()).toBe(served + 1); // the adopting daemon reconnected to the same port
  });

  it('reports a frozen hypervisor as unresponsive, and dlite restart recovers it', async () => {
    const [qemu] = await qemuPids();
    process.kill(qemu!, 'SIGSTOP');
    const frozen = await waitFor(
      'the engine to be reported unresponsive',
      async () => {
        const s = await status();
        return s.engineUnresponsiveSince !== null ? s : undefined;
      },
      90_000,
    );
    expect(frozen.state).toBe('running');
    const text = await dlite(['status'], env);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^engine: {5}unresponsive since .*; 'dlite restart' recovers it$/m);
    ok(await dlite(['restart'], env));
    const pids = await qemuPids();
    expect(pids).toHaveLength(1);
    expect(pids[0]).not.toBe(qemu);
    expect((await status()).engineUnresponsiveSince).toBeNull();
    ok(await docker(['version']));
    // docker_args set earlier took effect with that restart.
    expect((await docker(['info', '--format', '{{.Debug}}'])).stdout.trim()).toBe('true');
  });

  it('restarts an unresponsive VM by itself with auto_restart', async () => {
    ok(await dlite(['config', 'set', 'auto_restart', 'true'], env));
    const [qemu] = await qemuPids();
    process.kill(qemu!, 'SIGSTOP');
    await waitFor(
      'a new, answering VM',
      async () => {
        const s = await status();
        const pids = await qemuPids();
        return s.state === 'running' &&
          s.engineUnresponsiveSince === null &&
          pids.length === 1 &&
          pids[0] !== qemu
          ? true
          : undefined;
      },
      240_000,
    );
    ok(await docker(['version']));
    ok(await dlite(['config', 'set', 'auto_restart', 'false'], env));
  });

  it('stops gracefully and keeps images across a restart', async () => {
    const r = ok(await dlite(['stop'], env));
    expect(r.stdout).toContain('Dlite is stopped.');
    expect(await qemuPids()).toEqual([]);
    expect(await readFile(path.join(home, 'log/dlite.log'), 'utf8')).toContain(
      'VM stopped (clean power-off)',
    );
    // Changes saved while it starts: the live one is applied when the start ends, the other reported.
    const start = dlite(['start'], env);
    await waitFor(
      'state starting',
      async () => ((await status()).state === 'starting' ? true : undefined),
      30_000,
    );
    const [mirror, cpus] = await Promise.all([
      dlite(['config', 'set', 'registry_mirrors', 'https://during.example.com'], env),
      dlite(['config', 'set', 'cpu_count', '1'], env),
    ]);
    ok(await start);
    expect(ok(mirror).stdout).toContain('Saved and applied to the running VM: registry_mirrors.');
    expect(ok(cpus).stdout).toContain('Saved. Restart the VM to apply: cpu_count');
    const mirrors = ok(await docker(['info', '--format', '{{json .RegistryConfig.Mirrors}}']));
    expect(mirrors.stdout).toContain('https://during.example.com/');
    expect(ok(await dlite(['config', 'set', 'cpu_count', '2'], env)).stdout).toBe('Saved.\n');
    const images = ok(await docker(['images', '--format', '{{.Repository}}:{{.Tag}}']));
    expect(images.stdout).toContain(IMAGE);
  });

  it('cancels a start with a stop and leaves no process behind', async () => {
    ok(await dlite(['stop'], env));
    const start = dlite(['start'], env);
    await waitFor(
      'state starting',
      async () => ((await status()).state === 'starting' ? true : undefined),
      30_000,
    );
    await new Promise((r) => setTimeout(r, 1500));
    ok(await dlite(['stop'], env));
    const started = await start;
    expect(started.code).not.toBe(0);
    expect(started.stderr).toContain('cancelled');
    expect((await status()).state).toBe('stopped');
    expect(await qemuPids()).toEqual([]);
  });

  it('rejects bad input with one clear line', async () => {
    const cpu = await dlite(['config', 'set', 'cpu_count', '99'], env);
    expect(cpu.code).toBe(1);
    expect(cpu.stderr.trim().split('\n')).toHaveLength(1);
    expect(cpu.stderr).toContain('cpu_count');
    const unknown = await dlite(['frobnicate'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const badFlag = await dlite(['install', '--cpus', 'many'], env);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--cpus must be a whole number');
  });

  it('never overwrites a corrupt config.json; install keeps it beside the new one, with its uuid', async () => {
    const file = path.join(home, 'config.json');
    const uuid = (JSON.parse(await readFile(file, 'utf8')) as { uuid: string }).uuid;
    const corrupt = `{ "uuid": "${uuid}", "cpu_count": 2,, }\n`;
    await writeFile(file, corrupt);
    for (const args of [['config', 'get', 'cpu_count'], ['config', 'set', 'cpu_count', '1'], ['start']]) {
      const r = await dlite(args, env);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(`${file}: not valid JSON at line 1`);
      expect(await readFile(file, 'utf8')).toBe(corrupt);
    }
    ok(await dlite(['stop'], env));
    const r = ok(await dlite(['install', '--os-image', IMAGE_DIR], env));
    expect(r.stderr).toMatch(/it was kept as .*config\.json\.invalid-.* and its uuid was kept\./);
    const aside = (await readdir(home)).find((n) => n.startsWith('config.json.invalid-'));
    expect(await readFile(path.join(home, aside!), 'utf8')).toBe(corrupt);
    expect((JSON.parse(await readFile(file, 'utf8')) as { uuid: string }).uuid).toBe(uuid);
  });

  it('uninstalls everything it created', async () => {
    ok(await dlite(['uninstall', '--yes'], env));
    expect(existsSync(home)).toBe(false);
    expect(await qemuPids()).toEqual([]);
    expect(existsSync(share)).toBe(true);
  });
});

import { spawn } from 'node:child_process';
import { appendFile, lstat, mkdir, readlink, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { connectHost } from '../../../electron/core/host/connect-host.js';
import { MAX_SOCKET_PATH, pathsForHome } from '../../../electron/core/paths.js';
import { isAlive } from '../../../electron/core/vm/pidfile.js';
import type { VmStatus } from '../../../electron/shared/types.js';
import { CLI, dlite, tempHome, timed } from '../cli/built-cli.js';
import { waitFor } from '../../vm/helpers/cli.js';

// The daemon as the one host of a home, run from the built CLI.
let t: Awaited<ReturnType<typeof tempHome>>;
afterEach(() => t.cleanup());

describe('daemon lifetime', () => {
  beforeEach(async () => {
    t = await tempHome();
  });

  it('status and config get never start a daemon', async () => {
    const status = await timed(['status'], t.env);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('daemon:     not running (read from the files)');
    expect((await dlite(['config', 'get', 'memory'], t.env)).code).toBe(0);
    expect(await t.daemonPid()).toBeNull();
  });

  it('a daemon started on demand exits once idle; one started with --keep-alive stays', async () => {
    const env = { ...t.env, DLITE_IDLE_EXIT_SECONDS: '1' };
    expect((await dlite(['config', 'set', 'cpu_count', '1'], env)).code).toBe(0);
    const pid = await t.daemonPid();
    expect(pid).not.toBeNull();
    await waitFor(
      'the idle daemon to exit',
      async () => ((await t.daemonPid()) === null ? true : undefined),
      10_000,
    );

    expect((await dlite(['daemon', '--keep-alive'], env)).code).toBe(0);
    const kept = await t.daemonPid();
    expect(kept).not.toBeNull();
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await t.daemonPid()).toBe(kept);

    // Even a kept-alive daemon ends once its home is deleted: nothing is left for it to serve.
    await rm(t.home, { recursive: true, force: true });
    await waitFor(
      'the daemon of a deleted home to exit',
      async () => ((await isAlive(kept!)) ? undefined : true),
      10_000,
    );
  }, 30_000);
});

describe('dlite logs', () => {
  beforeEach(async () => {
    t = await tempHome();
  });

  it('prints and follows the console through the daemon, and reads the files without one', async () => {
    const consoleLog = path.join(t.home, 'log', 'console.log');
    await mkdir(path.dirname(consoleLog), { recursive: true });
    await writeFile(consoleLog, 'boot line 1\nboot line 2\n');
    expect((await dlite(['logs', '--console', '-n', '1'], t.env)).stdout).toBe('boot line 2\n');
    expect(await t.daemonPid()).toBeNull();
    expect((await dlite(['daemon'], t.env)).code).toBe(0);
    expect((await dlite(['logs'], t.env)).stdout).toMatch(/ info daemon \d+ serving /);
    const follow = spawn(process.execPath, [CLI, 'logs', '-f', '--console', '-n', '1'], { env: t.env });
    let out = '';
    follow.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor('the last line', () => (out.includes('boot line 2') ? true : undefined), 10_000);
    await appendFile(consoleLog, 'late line\n');
    await waitFor('the appended line', () => (out.includes('late line') ? true : undefined), 10_000);
    follow.kill('SIGINT');
    expect(await new Promise((r) => follow.once('exit', r))).toBe(0);
  }, 30_000);
});

describe('a home whose path is 150 characters long', () => {
  beforeEach(async () => {
    t = await tempHome(`long-${'x'.repeat(150 - 'long-'.length - '/tmp/dlc-XXXXXX/'.length)}`);
  });

  it('keeps its sockets in a short per-user folder linked from the home', async () => {
    expect(t.home).toHaveLength(150);
    const paths = pathsForHome(t.home);
    expect(paths.runDir).toMatch(/^\/tmp\/dlite-\d+\/[0-9a-f]{12}$/);
    expect((await dlite(['config', 'set', 'cpu_count', '1'], t.env)).code).toBe(0);
    const status = await dlite(['status', '--json'], t.env);
    expect((JSON.parse(status.stdout) as VmStatus).hostPid).toBe(await t.daemonPid());
    expect((await lstat(paths.controlSocket)).isSocket()).toBe(true);
    expect(await readlink(path.join(t.home, 'run'))).toBe(paths.runDir);
    const env = await dlite(['env', '--shell', 'bash'], t.env);
    const host = /^export DOCKER_HOST=(\S+)$/m.exec(env.stdout)?.[1];
    expect(host).toBe(`unix://${paths.dockerSocket}`);
    expect(Buffer.byteLength(paths.dockerSocket)).toBeLessThanOrEqual(MAX_SOCKET_PATH);
    expect((await dlite(['uninstall', '--yes'], t.env)).code).toBe(0);
    await expect(lstat(paths.runDir)).rejects.toThrow();
  }, 30_000);
});

describe('connectHost', () => {
  beforeEach(async () => {
    t = await tempHome();
  });

  it('re-opens the event stream when the daemon dies: a new daemon is started and its state arrives without subscribing again', async () => {
    const paths = pathsForHome(t.home);
    const client = await connectHost(paths, {
      spawn: [process.execPath, CLI, 'daemon', '--foreground'],
      env: t.env,
    });
    try {
      const states: VmStatus[] = [];
      client.onState((s) => states.push(s));
      const first = await waitFor('the current state', () => states[0]);
      expect(first.hostPid).toBe(await t.daemonPid());
      process.kill(first.hostPid!, 'SIGKILL');
      const again = await waitFor(
        'a state from a new daemon',
        () => states.find((s) => s.hostPid !== first.hostPid),
        20_000,
      );
      expect(again.state).toBe('stopped');
      expect(again.hostPid).toBe(await t.daemonPid());
      const status = await client.status();
      expect(status.ok && status.value.hostPid).toBe(again.hostPid);
    } finally {
      client.close();
    }
  }, 40_000);

  it('without spawn, rejects with daemon-unreachable and starts nothing', async () => {
    await expect(connectHost(pathsForHome(t.home), { spawn: false })).rejects.toMatchObject({
      code: 'daemon-unreachable',
    });
    expect(await t.daemonPid()).toBeNull();
  });

  it('names the reason when the daemon it starts exits at once', async () => {
    const paths = pathsForHome(t.home);
    const e = await connectHost(paths, {
      spawn: [process.execPath, '-e', 'console.error("dlite daemon: boom"); process.exit(1)'],
    }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'daemon-unreachable' });
    expect((e as Error).message).toMatch(/^The Dlite daemon exited at start: boom \(see .*daemon\.out\)$/);
  });
});

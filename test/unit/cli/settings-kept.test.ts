import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { dlite, tempHome, timed } from './built-cli.js';

// Settings are never lost, through the built CLI as a user runs it (issue: "Settings are never lost").
const UUID = '5f0c3a9e-6a51-4b8e-9d2c-2b7d3e1f4a60';

let t: Awaited<ReturnType<typeof tempHome>>;
beforeEach(async () => {
  t = await tempHome();
  await mkdir(t.home);
});
afterEach(() => t.cleanup());

const config = (): string => path.join(t.home, 'config.json');

async function writeConfig(overrides: Record<string, unknown>): Promise<string> {
  const text = `${JSON.stringify(
    {
      uuid: UUID,
      cpu_count: 1,
      memory: 2,
      hostname: 'local.docker',
      share: path.join(t.tmp, 'share'),
      schema_version: 2,
      disk_size: 20,
      hypervisor: 'auto',
      registry_mirrors: [],
      docker_args: [],
      docker_tcp: false,
      dns: [],
      auto_restart: false,
      use_docker_context: false,
      ...overrides,
    },
    null,
    2,
  )}\n`;
  await writeFile(config(), text);
  return text;
}

describe('a valid setting that does not fit this machine', () => {
  it('survives config get, status, doctor, config set and a refused start, with the uuid unchanged', async () => {
    const text = await writeConfig({ memory: 64 });
    const get = await dlite(['config', 'get'], t.env);
    expect(get.code).toBe(0);
    expect(get.stdout).toContain('memory 64\n');
    expect(await readFile(config(), 'utf8')).toBe(text);

    const status = await dlite(['status'], t.env);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/^problem: {4}memory: is 64 GiB, more than this machine can give/m);

    const doctor = await dlite(['doctor'], t.env);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/^✗ setting memory: memory: is 64 GiB/m);
    expect(await readFile(config(), 'utf8')).toBe(text);

    const set = await dlite(['config', 'set', 'cpu_count', '1'], t.env);
    expect(set.code, set.stderr).toBe(0);
    const set2 = await dlite(['config', 'set', 'hostname', 'kept.docker'], t.env);
    expect(set2.code, set2.stderr).toBe(0);
    expect(JSON.parse(await readFile(config(), 'utf8'))).toMatchObject({
      uuid: UUID,
      memory: 64,
      hostname: 'kept.docker',
    });

    const start = await dlite(['start'], t.env);
    expect(start.code).toBe(1);
    expect(start.stderr.trim().split('\n').at(-1)).toMatch(/^dlite: validate: memory: is 64 GiB/);
    const json = JSON.parse((await dlite(['status', '--json'], t.env)).stdout) as {
      problems: { field: string; severity: string }[];
    };
    expect(json.problems).toEqual([expect.objectContaining({ field: 'memory', severity: 'error' })]);
    expect((await readdir(t.home)).filter((n) => n.includes('invalid'))).toEqual([]);
    expect(JSON.parse(await readFile(config(), 'utf8'))).toMatchObject({ uuid: UUID, memory: 64 });
  }, 60_000);

  it('keeps unknown keys through a change', async () => {
    await writeConfig({ colour: 'blue' });
    const status = await dlite(['status'], t.env);
    expect(status.stdout).toMatch(/^warning: {4}colour: unknown setting, kept/m);
    expect((await dlite(['config', 'set', 'cpu_count', '1'], t.env)).code).toBe(0);
    expect(JSON.parse(await readFile(config(), 'utf8'))).toMatchObject({ colour: 'blue', uuid: UUID });
  }, 30_000);
});

describe('the daemon and bad settings', () => {
  it('keeps running with an unparsable config.json; status answers within 2 s with the reason', async () => {
    const text = `{ "uuid": "${UUID}", "cpu_count": 2,, }\n`;
    await writeFile(config(), text);
    const set = await timed(['config', 'set', 'memory', '2'], t.env);
    expect(set.code).toBe(1);
    expect(set.stderr).toContain(`${config()}: not valid JSON at line 1, column 66`);
    expect(set.ms).toBeLessThan(10_000);
    const pid = await t.daemonPid();
    expect(pid).not.toBeNull();
    const status = await timed(['status'], t.env);
    expect(status.ms).toBeLessThan(2_000);
    expect(status.stdout).toContain(`problem:    ${config()}: not valid JSON at line 1, column 66`);
    expect(status.stdout).toContain(`daemon:     pid ${pid}`);
    const start = await timed(['start'], t.env);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain('not valid JSON');
    expect(await t.daemonPid()).toBe(pid);
    expect(await readFile(config(), 'utf8')).toBe(text);

    // install is the one command that starts again from defaults: the file is kept beside, with its uuid.
    await rm(config());
    await mkdir(config());
    const dir = await timed(['status'], t.env);
    expect(dir.ms).toBeLessThan(2_000);
    expect(dir.stdout).toContain(`problem:    ${config()}: is a folder, not a file; move it away`);
    expect((await timed(['config', 'get'], t.env)).stderr).toContain('is a folder');
    expect(await t.daemonPid()).toBe(pid);
  }, 60_000);

  it('starts a daemon on a home whose config.json is a folder, and it keeps serving', async () => {
    await mkdir(config());
    const r = await timed(['daemon'], t.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.ms).toBeLessThan(10_000);
    const status = await timed(['status', '--json'], t.env);
    expect(status.ms).toBeLessThan(2_000);
    expect(JSON.parse(status.stdout)).toMatchObject({
      state: 'stopped',
      hostPid: await t.daemonPid(),
      problems: [{ field: 'settings', severity: 'error' }],
    });
  }, 30_000);

  it('says which file a full disk kept unchanged', async () => {
    const mnt = path.join(t.tmp, 'mnt');
    await mkdir(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mnt]);
    try {
      const env = { ...t.env, DLITE_HOME: path.join(mnt, 'h') };
      expect((await dlite(['config', 'set', 'cpu_count', '1'], env)).code).toBe(0);
      const before = await readFile(path.join(mnt, 'h', 'config.json'), 'utf8');
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${path.join(mnt, 'fill')}`, 'bs=4k'], { stdio: 'ignore' });
      } catch {
        // dd stops with ENOSPC: the file system is full, as wanted.
      }
      const r = await dlite(['config', 'set', 'cpu_count', '2'], env);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(
        `dlite: ${path.join(mnt, 'h', 'config.json')}: no space left on the device; nothing was changed (free some space and try again)`,
      );
      expect(await readFile(path.join(mnt, 'h', 'config.json'), 'utf8')).toBe(before);
      const pid = JSON.parse(await readFile(path.join(mnt, 'h', 'run', 'daemon.pid'), 'utf8')) as {
        pid: number;
      };
      process.kill(pid.pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      execFileSync('umount', ['-l', mnt]);
    }
  }, 30_000);
});

describe('values that could never work', () => {
  it('are refused on the host with the rules the guest applies, naming the setting to use instead', async () => {
    for (const [args, message] of [
      [['share', '/etc/x'], 'share: must not be a system folder of the VM'],
      [['share', '/tmp/a\nb'], 'share: must be printable ASCII on one line'],
      [['docker_args', '--registry-mirror=https://m.example'], 'use the registry_mirrors setting instead'],
      [['docker_args', '--dns', '1.1.1.1'], 'use the dns setting instead'],
    ] as const) {
      const r = await dlite(['config', 'set', ...args], t.env);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(message);
    }
    expect(JSON.parse((await dlite(['config', 'get', '--json'], t.env)).stdout)).toMatchObject({
      docker_args: [],
      share: expect.not.stringMatching(/^\/etc/),
    });
  }, 30_000);

  it('docker_tcp warns that any local user can then control Docker', async () => {
    const r = await dlite(['config', 'set', 'docker_tcp', 'true'], t.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^warning: docker_tcp opens the Docker API on TCP port 2375 without authentication/,
    );
    expect(r.stderr).toContain('any local user of this machine can then control Docker');
    expect(r.stderr).toContain('root in the VM and read and write access to the shared folder');
  }, 30_000);
});

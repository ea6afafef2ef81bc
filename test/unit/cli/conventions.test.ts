import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { dockerContextName, pathsForHome } from '../../../electron/core/paths.js';
import { COMMANDS } from '../../../electron/cli/spec.js';
import { CLI, dlite, tempHome } from './built-cli.js';

const exec = promisify(execFile);

let t: Awaited<ReturnType<typeof tempHome>>;
afterEach(() => t.cleanup());

describe('dlite env', () => {
  beforeEach(async () => {
    // A space, quotes and a command substitution: none of it may be run or split by the shell.
    t = await tempHome(`h 'q' $(touch pwned) "d"`);
  });

  it.each([
    [
      'bash',
      [
        'bash',
        '-c',
        `eval "$(${JSON.stringify(process.execPath)} ${CLI} env --shell bash)"; printf %s "$DOCKER_HOST"`,
      ],
    ],
    [
      'zsh',
      [
        'zsh',
        '-c',
        `eval "$(${JSON.stringify(process.execPath)} ${CLI} env --shell zsh)"; printf %s "$DOCKER_HOST"`,
      ],
    ],
    ['fish', ['fish', '-c', `${process.execPath} ${CLI} env --shell fish | source; printf %s $DOCKER_HOST`]],
  ])('sets DOCKER_HOST exactly in %s', async (_shell, [cmd, ...args]) => {
    const { stdout } = await exec(cmd!, args, { env: t.env, cwd: t.tmp });
    expect(stdout).toBe(`unix://${pathsForHome(t.home).dockerSocket}`);
    expect(existsSync(path.join(t.tmp, 'pwned'))).toBe(false);
  });

  it('picks the syntax from $SHELL', async () => {
    expect((await dlite(['env'], { ...t.env, SHELL: '/usr/bin/fish' })).stdout).toMatch(
      /^set -gx DOCKER_HOST '/,
    );
    expect((await dlite(['env'], { ...t.env, SHELL: '/bin/bash' })).stdout).toMatch(/^export DOCKER_HOST='/);
    expect((await dlite(['env', '--shell', 'tcsh'], t.env)).stderr).toContain(
      '--shell must be one of bash, zsh, fish',
    );
  });
});

describe('command lines', () => {
  beforeEach(async () => {
    t = await tempHome();
  });

  it('takes docker_args flags after the key, and what config get prints pastes back into config set', async () => {
    const set = await dlite(['config', 'set', 'docker_args', '--debug', '--log-level=info'], t.env);
    expect(set.code, set.stderr).toBe(0);
    expect((await dlite(['config', 'get', 'docker_args'], t.env)).stdout.trim()).toBe(
      '--debug --log-level=info',
    );
    await dlite(['config', 'set', 'share', path.join(t.tmp, 'share')], t.env);
    const lines = (await dlite(['config', 'get'], t.env)).stdout.trim().split('\n');
    expect(lines).toContain("registry_mirrors ''");
    const before = await readFile(path.join(t.home, 'config.json'), 'utf8');
    for (const line of lines) {
      await exec('bash', ['-c', `${process.execPath} ${CLI} config set ${line}`], { env: t.env });
    }
    expect(await readFile(path.join(t.home, 'config.json'), 'utf8')).toBe(before);
  }, 60_000);

  it('refuses extra arguments and unknown options with exit 2', async () => {
    for (const [args, message] of [
      [['start', 'now'], "dlite start: unexpected argument 'now'"],
      [['status', '--frob'], "dlite status: unknown option '--frob'"],
      [['config', 'set', 'cpu_count', '1', '2'], 'dlite config set: cpu_count takes one VALUE'],
      [['config', 'get', 'a', 'b'], "dlite config get: unexpected argument 'b'"],
      [['install', '--cpus'], 'dlite install: --cpus needs a value'],
      [['config', 'frob'], "dlite config: unknown subcommand 'frob'"],
    ] as const) {
      const r = await dlite(args, t.env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(message);
    }
  }, 30_000);

  it('prints help for every command, the same with --help and help CMD', async () => {
    for (const spec of COMMANDS) {
      const words = spec.name.split(' ');
      const a = await dlite([...words, '--help'], t.env);
      const b = await dlite(['help', ...words], t.env);
      expect(a.code).toBe(0);
      expect(a.stdout).toBe(b.stdout);
      expect(a.stdout).toContain(`Usage: dlite ${spec.name}`);
      for (const long of Object.keys(spec.options)) expect(a.stdout).toContain(`--${long}`);
    }
    expect((await dlite(['install', '--help'], t.env)).stdout).toMatch(
      /--os-dir DIR +install the DhyveOS image from this local build folder/,
    );
  }, 60_000);

  it('exits 1 from status when the VM is not running, with or without a daemon, and documents it', async () => {
    expect((await dlite(['status'], t.env)).code).toBe(1);
    expect((await dlite(['daemon'], t.env)).code).toBe(0);
    const r = await dlite(['status'], t.env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^state: {6}stopped$/m);
    expect((await dlite(['status', '--help'], t.env)).stdout).toMatch(
      /Exit status: 0 when Docker is there: the VM runs and Docker answers, or it sleeps/,
    );
  }, 30_000);

  it('gives JSON for status, config get, doctor', async () => {
    expect(JSON.parse((await dlite(['status', '--json'], t.env)).stdout)).toMatchObject({
      state: 'stopped',
      hostPid: null,
    });
    expect(JSON.parse((await dlite(['config', 'get', 'memory', '--json'], t.env)).stdout)).toEqual({
      memory: 2,
    });
    const doctor = JSON.parse((await dlite(['doctor', '--json'], t.env)).stdout) as {
      ok: boolean;
      checks: unknown[];
    };
    expect(doctor.checks.length).toBeGreaterThan(5);
    expect((await dlite(['ip', '--json'], t.env)).stderr).toContain('The VM is not running');
  }, 30_000);

  it('uses a profile home ~/.dlite-NAME and its own docker context', async () => {
    const env = { ...t.env, HOME: t.tmp, DLITE_HOME: undefined };
    const r = await dlite(['-p', 'work', 'config', 'set', 'cpu_count', '1'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(t.tmp, '.dlite-work', 'config.json'))).toBe(true);
    expect(dockerContextName(path.join(t.tmp, '.dlite-work'), t.tmp)).toBe('dlite-work');
    expect((await dlite(['status', '-p', 'work'], env)).stdout).toMatch(/daemon: {5}pid \d+/);
    expect((await dlite(['-p', 'Bad!', 'status'], env)).code).toBe(2);
    expect((await dlite(['-p', 'work', 'uninstall', '--yes'], env)).code).toBe(0);
    expect(existsSync(path.join(t.tmp, '.dlite-work'))).toBe(false);
  }, 30_000);
});

describe('dlite uninstall', () => {
  beforeEach(async () => {
    t = await tempHome();
  });
  const docker = (args: string[]) => execFileSync('docker', args, { env: t.env, encoding: 'utf8' }).trim();

  it('leaves a docker context of its name that points at another home, and the current context', async () => {
    expect((await dlite(['config', 'set', 'cpu_count', '1'], t.env)).code).toBe(0);
    const name = pathsForHome(t.home).dockerContext;
    docker(['context', 'create', name, '--docker', 'host=unix:///elsewhere/docker.sock']);
    docker(['context', 'use', name]);
    const r = await dlite(['uninstall', '--yes'], t.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `Left the docker context '${name}': it points at unix:///elsewhere/docker.sock`,
    );
    expect(docker(['context', 'inspect', name, '--format', '{{.Endpoints.docker.Host}}'])).toBe(
      'unix:///elsewhere/docker.sock',
    );
    expect(docker(['context', 'show'])).toBe(name);
    expect(existsSync(t.home)).toBe(false);
  }, 30_000);

  it('removes its own context and switches back to default', async () => {
    expect((await dlite(['config', 'set', 'cpu_count', '1'], t.env)).code).toBe(0);
    const paths = pathsForHome(t.home);
    docker(['context', 'create', paths.dockerContext, '--docker', `host=unix://${paths.dockerSocket}`]);
    docker(['context', 'use', paths.dockerContext]);
    const r = await dlite(['uninstall', '--yes'], t.env);
    expect(r.stdout).toContain(`and the docker context '${paths.dockerContext}'`);
    expect(docker(['context', 'show'])).toBe('default');
  }, 30_000);

  it('removes nothing from a folder that is not a Dlite home, and only its own entries from one', async () => {
    await mkdir(path.join(t.home, 'log'), { recursive: true });
    await mkdir(path.join(t.home, 'os'));
    await writeFile(path.join(t.home, 'notes.txt'), 'keep me');
    const r = await dlite(['uninstall', '--yes'], t.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not a Dlite home');
    expect((await readdir(t.home)).sort()).toEqual(['log', 'notes.txt', 'os']);

    // Dlite used the folder: it removes what it created there, and leaves what was there before.
    expect((await dlite(['config', 'set', 'cpu_count', '1'], t.env)).code).toBe(0);
    expect((await readdir(t.home)).sort()).toEqual([
      '.dlite-manifest.json',
      'config.json',
      'log',
      'notes.txt',
      'os',
      'run',
    ]);
    expect((await dlite(['uninstall', '--yes'], t.env)).code).toBe(0);
    expect((await readdir(t.home)).sort()).toEqual(['log', 'notes.txt', 'os']);
  }, 30_000);
});

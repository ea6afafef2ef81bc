import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  checkDockerTools,
  installHint,
  parseBuildxVersion,
  parseComposeVersion,
  parseDockerVersion,
  systemDockerRunner,
  type DockerRunner,
} from '../../../electron/core/host-tools/docker-tools.js';

describe('version output parsers', () => {
  it.each([
    ['Docker version 28.2.2, build e6534b4\n', '28.2.2'],
    ['Docker version 26.1.5+dfsg1, build a72d7cd\n', '26.1.5+dfsg1'],
    ['Docker version 20.10.24+dfsg1, build 297e128\n', '20.10.24+dfsg1'],
    ['docker: command not found', null],
    ['', null],
  ])('docker --version %j → %j', (out, v) => expect(parseDockerVersion(out)).toBe(v));

  it.each([
    ['github.com/docker/buildx v0.29.1 a32761aeb3debd39be1eca514af3693af0db334b\n', '0.29.1'],
    ['github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3\n', '0.13.1+ds1'],
    ["docker: 'buildx' is not a docker command.\n", null],
  ])('docker buildx version %j → %j', (out, v) => expect(parseBuildxVersion(out)).toBe(v));

  it.each([
    ['Docker Compose version v2.40.3\n', '2.40.3'],
    ['Docker Compose version 2.26.1-4\n', '2.26.1-4'],
    ['docker-compose version 1.29.2, build unknown\n', null],
    ['Docker Compose version 1.29.2\n', null],
  ])('docker compose version %j → %j', (out, v) => expect(parseComposeVersion(out)).toBe(v));
});

describe('installHint', () => {
  it('names the Homebrew formulas on a Mac, and the plugin folder on Apple Silicon', () => {
    expect(installHint(['docker', 'buildx', 'compose'], 'darwin', 'x64')).toBe(
      'brew install docker docker-buildx docker-compose',
    );
    expect(installHint(['buildx'], 'darwin', 'arm64')).toBe(
      'brew install docker-buildx, then add "cliPluginsExtraDirs": ["/opt/homebrew/lib/docker/cli-plugins"] to ~/.docker/config.json',
    );
    expect(installHint(['docker'], 'darwin', 'arm64')).toBe('brew install docker');
  });

  it('names the Debian packages elsewhere', () => {
    expect(installHint(['compose'], 'linux', 'x64')).toBe('Debian 13: apt-get install docker-compose');
  });
});

/** A runner answering from a table keyed by the joined arguments; missing keys fail like a missing plugin. */
function fakeDocker(answers: Record<string, string>): DockerRunner & { calls: string[] } {
  const calls: string[] = [];
  const runner = (args: readonly string[]) => {
    const key = args.join(' ');
    calls.push(key);
    const out = answers[key];
    return out === undefined ? Promise.reject(new Error(`docker ${key}: exit 1`)) : Promise.resolve(out);
  };
  return Object.assign(runner, { calls });
}

describe('checkDockerTools', () => {
  it('reports each version when everything is there', async () => {
    const r = await checkDockerTools(
      fakeDocker({
        '--version': 'Docker version 28.2.2, build e6534b4\n',
        'buildx version': 'github.com/docker/buildx v0.29.1 abc\n',
        'compose version': 'Docker Compose version v2.40.3\n',
      }),
      'darwin',
      'arm64',
    );
    expect(r.map((t) => [t.label, t.version, t.detail])).toEqual([
      ['docker CLI', '28.2.2', '28.2.2'],
      ['docker buildx', '0.29.1', '0.29.1'],
      ['docker compose', '2.40.3', '2.40.3'],
    ]);
  });

  it('says how to get a missing plugin, and does not probe plugins without the CLI', async () => {
    const partial = await checkDockerTools(
      fakeDocker({ '--version': 'Docker version 28.2.2, build e6534b4\n' }),
      'darwin',
      'x64',
    );
    expect(partial[1]).toMatchObject({ version: null });
    expect(partial[1]?.detail).toBe(
      'not found (docker build uses BuildKit through it): brew install docker-buildx',
    );
    expect(partial[2]?.detail).toMatch(/: brew install docker-compose$/);

    const none = fakeDocker({});
    const r = await checkDockerTools(none, 'darwin', 'x64');
    expect(none.calls).toEqual(['--version']);
    expect(r.every((t) => t.version === null)).toBe(true);
    expect(r[0]?.detail).toBe(
      'not found (needed to use the engine from this machine): brew install docker docker-buildx docker-compose',
    );
  });

  it('treats Compose v1 answering as compose as missing', async () => {
    const r = await checkDockerTools(
      fakeDocker({
        '--version': 'Docker version 28.2.2, build e6534b4\n',
        'compose version': 'Docker Compose version 1.29.2\n',
      }),
      'linux',
      'x64',
    );
    expect(r[2]?.version).toBeNull();
  });
});

describe('systemDockerRunner (the real docker CLI on this machine)', () => {
  it('finds a plugin only where DOCKER_CONFIG points, as the CLI resolves it', async () => {
    const docker = execFileSync('sh', ['-c', 'command -v docker || true'], { encoding: 'utf8' }).trim();
    expect(docker, 'the docker CLI must be installed (see .ci/run)').not.toBe('');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-tools-'));
    try {
      // A stand-in plugin in a private config dir; the CLI runs it with the plugin metadata protocol.
      await mkdir(path.join(dir, 'cli-plugins'));
      const plugin = path.join(dir, 'cli-plugins', 'docker-dlitetest');
      await writeFile(
        plugin,
        '#!/bin/sh\n[ "$1" = docker-cli-plugin-metadata ] && ' +
          'echo \'{"SchemaVersion":"0.1.0","Vendor":"test","Version":"v1.2.3"}\' && exit 0\necho "dlitetest ran: $2"\n',
      );
      await chmod(plugin, 0o755);
      const runDocker = systemDockerRunner({ DOCKER_CONFIG: dir });
      expect(parseDockerVersion(await runDocker(['--version']))).toMatch(/^\d+\.\d+\.\d+/);
      expect((await runDocker(['dlitetest', 'version'])).trim()).toBe('dlitetest ran: version');
      await expect(systemDockerRunner({ DOCKER_CONFIG: os.tmpdir() })(['dlitetest'])).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

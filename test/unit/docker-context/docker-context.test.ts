import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  contextCreateArgs,
  contextUpdateArgs,
  currentDockerContext,
  ensureDockerContext,
  removeDockerContext,
} from '../../../electron/core/docker-context/docker-context.js';

describe('context command building', () => {
  it('creates the home context pointing at the unix socket', () => {
    expect(contextCreateArgs({ name: 'dlite', socketPath: '/Users/me/.dlite/run/docker.sock' })).toEqual([
      'context',
      'create',
      'dlite',
      '--description',
      'Dlite',
      '--docker',
      'host=unix:///Users/me/.dlite/run/docker.sock',
    ]);
  });

  it('updates only the docker endpoint', () => {
    expect(contextUpdateArgs({ name: 'dlite-work', socketPath: '/s/docker.sock' })).toEqual([
      'context',
      'update',
      'dlite-work',
      '--docker',
      'host=unix:///s/docker.sock',
    ]);
  });
});

// The real docker CLI with a throwaway DOCKER_CONFIG: the user's ~/.docker is never touched.
describe('docker context management (real docker CLI)', () => {
  const A = { name: 'dlite', socketPath: '/tmp/a/docker.sock' };
  const B = { name: 'dlite', socketPath: '/tmp/b/docker.sock' };
  let dir: string;
  let env: Record<string, string>;
  const host = (): string =>
    execFileSync('docker', ['context', 'inspect', 'dlite', '--format', '{{.Endpoints.docker.Host}}'], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    }).trim();

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-ctx-'));
    env = { DOCKER_CONFIG: dir };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates, leaves alone, then updates the context without switching to it', async () => {
    expect(await ensureDockerContext(A, { use: false, env })).toEqual({
      status: 'created',
      current: false,
    });
    expect(host()).toBe('unix:///tmp/a/docker.sock');
    expect(await ensureDockerContext(A, { use: false, env })).toEqual({
      status: 'unchanged',
      current: false,
    });
    expect(await ensureDockerContext(B, { use: false, env })).toEqual({
      status: 'updated',
      current: false,
    });
    expect(host()).toBe('unix:///tmp/b/docker.sock');
    expect(await currentDockerContext({ env })).toBe('default');
  });

  it('switches to it only when asked, and uninstall switches back to default', async () => {
    expect(await ensureDockerContext(A, { use: true, env })).toEqual({
      status: 'created',
      current: true,
    });
    expect(await currentDockerContext({ env })).toBe('dlite');
    expect(await removeDockerContext(A, { env })).toEqual({ status: 'removed' });
    expect(await currentDockerContext({ env })).toBe('default');
    expect(await removeDockerContext(A, { env })).toEqual({ status: 'absent' });
  });

  it('leaves a context of the same name that points at another home, and the current one', async () => {
    await ensureDockerContext(B, { use: true, env });
    expect(await removeDockerContext(A, { env })).toEqual({
      status: 'foreign',
      endpoint: 'unix:///tmp/b/docker.sock',
    });
    expect(host()).toBe('unix:///tmp/b/docker.sock');
    expect(await currentDockerContext({ env })).toBe('dlite');
  });

  it('keeps a context the user chose when use is false', async () => {
    execFileSync('docker', ['context', 'create', 'other', '--docker', 'host=unix:///tmp/other.sock'], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    execFileSync('docker', ['context', 'use', 'other'], { env: { ...process.env, ...env }, stdio: 'ignore' });
    await ensureDockerContext(A, { use: false, env });
    expect(await currentDockerContext({ env })).toBe('other');
    await removeDockerContext(A, { env });
    expect(await currentDockerContext({ env })).toBe('other');
  });

  it('warns instead of failing when the docker CLI is missing', async () => {
    const missing = { env, dockerBin: path.join(dir, 'no-docker-here') };
    const r = await ensureDockerContext(A, { use: true, ...missing });
    expect(r.status).toBe('docker-missing');
    expect(r.warning).toMatch(/docker CLI was not found/);
    expect((await removeDockerContext(A, missing)).warning).toMatch(/docker CLI was not found/);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freePort } from '../../../electron/core/drivers/qemu/net.js';
import { resolvePaths } from '../../../electron/core/paths.js';
import { ensureSshKey } from '../../../electron/core/ssh/keys.js';
import { hostKeyAlias } from '../../../electron/core/ssh/ssh-args.js';
import { SshClient } from '../../../electron/core/ssh/ssh-client.js';
import { SshError } from '../../../electron/core/ssh/ssh-error.js';

// Real ssh against a port nobody listens on: the failure paths that need no VM.
// Logging in, pinning and execs are covered against the real guest in test/vm/host-side.test.ts.
let home: string;
let client: SshClient;
let port: number;

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'dlite-sshc-'));
  const paths = resolvePaths({ DLITE_HOME: home });
  await ensureSshKey(paths);
  port = await freePort();
  client = new SshClient({ paths, endpoint: { host: '127.0.0.1', port }, hostKeyAlias: hostKeyAlias('u') });
});
afterAll(async () => {
  await client.close();
  await rm(home, { recursive: true, force: true });
});

describe('SshClient without a VM', () => {
  it('reports a closed port as an SSH server that is not answering', async () => {
    const error = await client.exec(['true']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SshError);
    expect((error as SshError).code).toBe('ssh-failed');
    expect((error as SshError).message).toBe(`The VM's SSH server at 127.0.0.1:${port} is not answering yet`);
    expect((error as SshError).command).toBe(`ssh docker@127.0.0.1 -p ${port} true`);
  });

  it('waitReady gives up after its timeout with the last ssh error', async () => {
    const started = Date.now();
    const error = await client.waitReady(1_500).catch((e: unknown) => e);
    expect((error as SshError).code).toBe('timeout');
    expect((error as SshError).message).toMatch(
      /did not answer within 2 s \(The VM's SSH server .* is not answering yet\)/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('waitReady stops when cancelled', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const error = await client.waitReady(60_000, abort.signal).catch((e: unknown) => e);
    expect((error as SshError).code).toBe('cancelled');
  });

  it('close is harmless without a shared connection', async () => {
    await expect(client.close()).resolves.toBeUndefined();
  });
});

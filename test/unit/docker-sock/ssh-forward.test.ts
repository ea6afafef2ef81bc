import { mkdtemp, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DliteError } from '../../../electron/core/dlite-error.js';
import {
  DockerSocketForwarder,
  type ForwarderState,
} from '../../../electron/core/docker-sock/ssh-forward.js';
import { freePort } from '../../../electron/core/drivers/qemu/net.js';
import { type DlitePaths, resolvePaths } from '../../../electron/core/paths.js';
import { ensureSshKey } from '../../../electron/core/ssh/keys.js';
import { hostKeyAlias } from '../../../electron/core/ssh/ssh-args.js';

// Real ssh, no VM: the start failure path. The working forward, its restart and every kind of
// streaming call are covered against the real guest in test/vm/host-side.test.ts.
let home: string;
let paths: DlitePaths;

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'dlite-fwd-'));
  paths = resolvePaths({ DLITE_HOME: home });
  await ensureSshKey(paths);
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('DockerSocketForwarder without a VM', () => {
  it('fails start with the ssh reason, reports failed, and leaves a private run dir', async () => {
    const port = await freePort();
    const fwd = new DockerSocketForwarder({
      target: { paths, endpoint: { host: '127.0.0.1', port }, hostKeyAlias: hostKeyAlias('u') },
    });
    const states: ForwarderState[] = [];
    fwd.onDidChangeState((s) => states.push(s));
    const error = await fwd.start(20_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DliteError);
    expect((error as DliteError).code).toBe('docker-unreachable');
    expect((error as DliteError).message).toMatch(
      /^Forwarding the Docker socket over SSH failed: .*Connection refused/,
    );
    expect(states).toEqual(['starting', 'failed']);
    expect(fwd.pid).toBeUndefined();
    expect((await stat(paths.runDir)).mode & 0o777).toBe(0o700);
    await fwd.stop();
    expect(fwd.state).toBe('stopped');
  });

  it('stop during start cancels it', async () => {
    // A TCP server that never sends an SSH banner: ssh waits until it is stopped.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as net.AddressInfo;
    const fwd = new DockerSocketForwarder({
      target: { paths, endpoint: { host: '127.0.0.1', port }, hostKeyAlias: hostKeyAlias('u') },
    });
    const starting = fwd.start(20_000).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 500));
    expect(fwd.pid).toBeGreaterThan(0);
    await fwd.stop();
    expect(((await starting) as DliteError).code).toBe('cancelled');
    expect(fwd.state).toBe('stopped');
    expect(fwd.pid).toBeUndefined();
    silent.close();
  });
});

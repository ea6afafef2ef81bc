import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { MuxForwarder } from '../../../electron/core/docker-sock/mux-forward.js';
import { type DlitePaths, resolvePaths } from '../../../electron/core/paths.js';

/*
 * The Docker port on vfkit: dlite-mux in its listen mode and the host half over vfkit's vsock
 * socket. There is no /dev/vhost-vsock here, so a unix socket stands in for the guest's vsock port
 * (`dlite-mux --listen`, the same code path as `--vsock-port` after bind), and a relay plays vfkit's
 * `virtio-vsock,…,connect` device: it listens on the host socket and, for each connection, dials the
 * guest port, closing the connection when nothing listens there (crc-org/vfkit pkg/vf/vsock.go).
 */
const SOURCE = path.resolve(import.meta.dirname, '../../../build/os/mux/dlite-mux.c');
let dir: string;
let bin: string;
let paths: DlitePaths;
let engine: http.Server;
let engineSock: string;
let vsockPort: string;
let vfkit: net.Server;
let dialled = 0;
const agents: ChildProcess[] = [];
const forwarders: MuxForwarder[] = [];
const live = new Set<net.Socket>();

function startAgent(): ChildProcess {
  const a = spawn(bin, ['--listen', vsockPort, '--target', engineSock], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  agents.push(a);
  return a;
}

async function forwarder(): Promise<MuxForwarder> {
  const f = new MuxForwarder({
    channel: paths.dockerPortSocket,
    kind: 'vsock',
    paths,
    handshakeTimeoutMs: 8_000,
  });
  forwarders.push(f);
  await f.start(15_000);
  return f;
}

const ping = (f: MuxForwarder) => f.api.ping({ timeoutMs: 5000 });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-vsock-'));
  paths = resolvePaths({ DLITE_HOME: dir });
  await mkdir(paths.runDir, { mode: 0o700 });
  bin = path.join(dir, 'dlite-mux');
  await promisify(execFile)('gcc', ['-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', '-o', bin, SOURCE]);
  engineSock = path.join(dir, 'engine.sock');
  engine = http.createServer((req, res) => res.end(req.url === '/_ping' ? 'OK' : `echo ${req.url}`));
  await new Promise<void>((r) => engine.listen(engineSock, r));
  vsockPort = path.join(dir, 'guest-vsock-2375.sock');
  vfkit = net.createServer((host) => {
    dialled += 1;
    const guest = net.connect(vsockPort);
    live.add(host);
    host.on('close', () => live.delete(host));
    guest.on('error', () => host.destroy());
    host.on('error', () => guest.destroy());
    guest.on('connect', () => {
      host.pipe(guest);
      guest.pipe(host);
    });
    guest.on('close', () => host.destroy());
    host.on('close', () => guest.destroy());
  });
  await new Promise<void>((r) => vfkit.listen(paths.dockerPortSocket, r));
}, 60_000);

afterEach(async () => {
  for (const f of forwarders.splice(0)) await f.stop();
  for (const a of agents.splice(0)) a.kill('SIGKILL');
});

afterAll(async () => {
  vfkit?.close();
  engine?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the Docker port over vsock (vfkit), with a socket standing in for the vsock device', () => {
  it('serves docker.sock through vfkit and the listening agent', async () => {
    startAgent();
    const f = await forwarder();
    expect(await ping(f)).toBe('OK');
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => fetchVia(paths.dockerSocket, `/v1.41/containers/${i}`)),
    );
    expect(answers).toEqual(Array.from({ length: 8 }, (_, i) => `echo /v1.41/containers/${i}`));
  });

  it('waits for an agent that is not listening yet (vfkit closes the connection at once)', async () => {
    const before = dialled;
    setTimeout(() => startAgent(), 1500);
    const f = await forwarder();
    expect(await ping(f)).toBe('OK');
    expect(dialled - before).toBeGreaterThan(1);
  });

  it('reconnects when the vsock connection drops, and the agent takes the new one', async () => {
    const agent = startAgent();
    let log = '';
    agent.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const f = await forwarder();
    expect(await ping(f)).toBe('OK');
    for (const s of live) s.destroy();
    await expect.poll(() => f.state, { timeout: 10_000 }).toBe('running');
    await expect.poll(() => ping(f).catch(() => 'down'), { timeout: 10_000 }).toBe('OK');
    expect(agent.exitCode).toBeNull();
    expect(log).toBe('');
  });

  it('a second host connection replaces the first one in the agent', async () => {
    const agent = startAgent();
    let log = '';
    agent.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const first = await forwarder();
    expect(await ping(first)).toBe('OK');
    const other = resolvePaths({ DLITE_HOME: path.join(dir, 'second') });
    await mkdir(other.runDir, { recursive: true, mode: 0o700 });
    const second = new MuxForwarder({
      channel: paths.dockerPortSocket,
      kind: 'vsock',
      paths: other,
      handshakeTimeoutMs: 8_000,
    });
    forwarders.push(second);
    await second.start(15_000);
    expect(await ping(second)).toBe('OK');
    expect(log).toContain('a new host connection replaces the current one');
  });

  it('refuses conflicting transports on its command line', async () => {
    const r = await promisify(execFile)(bin, ['--listen', vsockPort, '--vsock-port', '2375']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(r).toMatchObject({ code: 2 });
    expect((r as { stderr: string }).stderr).toContain(
      'usage: dlite-mux [--port PATH | --vsock-port N | --listen PATH]',
    );
  });
});

function fetchVia(socketPath: string, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath, path: url }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
}

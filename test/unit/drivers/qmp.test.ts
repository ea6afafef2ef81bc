import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { QmpClient, QmpError, type QmpEvent } from '../../../electron/core/drivers/qemu/qmp.js';

let dir: string;
let sock: string;
let qemu: ChildProcess | null = null;
let client: QmpClient | null = null;

/** A real QEMU with no guest (machine `none`, paused) and a user netdev: enough to speak QMP/HMP. */
async function startQemu(): Promise<ChildProcess> {
  const child = spawn(
    'qemu-system-x86_64',
    [
      ...['-M', 'none', '-S', '-nodefaults', '-display', 'none'],
      ...['-netdev', 'user,id=net0'],
      ...['-chardev', `socket,id=qmp0,path=${sock},server=on,wait=off`, '-mon', 'chardev=qmp0,mode=control'],
    ],
    { stdio: 'ignore' },
  );
  await expect.poll(() => canConnect(), { timeout: 10_000 }).toBe(true);
  return child;
}

function canConnect(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(sock);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-qmp-'));
  sock = path.join(dir, 'qmp.sock');
});
afterEach(async () => {
  client?.close();
  client = null;
  qemu?.kill('SIGKILL');
  qemu = null;
  await rm(dir, { recursive: true, force: true });
});

describe('QmpClient against a real QEMU', () => {
  it('negotiates, queries status and reports command errors', async () => {
    qemu = await startQemu();
    client = await QmpClient.connect(sock);
    expect(await client.queryStatus()).toMatchObject({ status: 'prelaunch', running: false });
    const e: unknown = await client.execute('no-such-command').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(QmpError);
    expect((e as QmpError).errorClass).toBe('CommandNotFound');
  });

  it('correlates concurrent replies by id', async () => {
    qemu = await startQemu();
    client = await QmpClient.connect(sock);
    const [a, b, c] = await Promise.all([
      client.execute<{ qemu: { major: number } }>('query-version'),
      client.queryStatus(),
      client.execute<{ name?: string }>('query-name'),
    ]);
    expect(a.qemu.major).toBeGreaterThanOrEqual(7);
    expect(b.status).toBe('prelaunch');
    expect(c).toEqual({});
  });

  it('adds and removes host forwards, turning HMP error text into errors', async () => {
    qemu = await startQemu();
    client = await QmpClient.connect(sock);
    const port = await freePort();
    await client.hostfwdAdd(port, 80);
    expect(await canConnectTo(port)).toBe(true);
    await expect(client.hostfwdAdd(port, 81)).rejects.toThrow(/Could not set up host forwarding rule/);
    await client.hostfwdRemove(port);
    expect(await canConnectTo(port)).toBe(false);
    await expect(client.hostfwdRemove(port)).rejects.toThrow(/not found/);
  });

  it('emits events and resolves quit when QEMU exits', async () => {
    qemu = await startQemu();
    const exited = new Promise((r) => qemu!.once('exit', r));
    client = await QmpClient.connect(sock);
    const events: QmpEvent[] = [];
    client.on('event', (ev: QmpEvent) => events.push(ev));
    const shutdown = new Promise<QmpEvent>((r) => client!.once('SHUTDOWN', r));
    await client.quit();
    expect((await shutdown).data).toMatchObject({ guest: false, reason: 'host-qmp-quit' });
    await exited;
    await client.closed;
    expect(client.isClosed).toBe(true);
    expect(events.map((e) => e.event)).toContain('SHUTDOWN');
    await expect(client.queryStatus()).rejects.toThrow(/connection closed/);
  });

  it('fails fast without a socket, and on timeout when nobody greets', async () => {
    await expect(QmpClient.connect(sock, { timeoutMs: 500 })).rejects.toThrow(/ENOENT/);
    const silent = net.createServer((s) => s.on('error', () => undefined)).listen(sock);
    try {
      await expect(QmpClient.connect(sock, { timeoutMs: 300 })).rejects.toThrow(/no greeting in 300 ms/);
      const ac = new AbortController();
      ac.abort();
      await expect(QmpClient.connect(sock, { signal: ac.signal })).rejects.toThrow(/cancelled/);
    } finally {
      silent.close();
    }
  });
});

function canConnectTo(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

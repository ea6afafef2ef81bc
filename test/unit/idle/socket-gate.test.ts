import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { SocketGate } from '../../../electron/core/idle/socket-gate.js';

/**
 * Sends `request` (and half-closes when `halfClose`), resolving with everything the other side
 * answered until it ended.
 */
function ask(socket: string, request: string, halfClose = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ path: socket, allowHalfOpen: true });
    let answer = '';
    c.on('data', (d: Buffer) => (answer += d.toString()));
    c.on('end', () => {
      c.end();
      resolve(answer);
    });
    c.on('error', reject);
    c.write(request);
    if (halfClose) c.end();
  });
}

describe('docker.sock gate', () => {
  let dir: string;
  let gate: SocketGate;
  let engine: net.Server | null = null;
  let demands = 0;
  const lines: string[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-gate-'));
    demands = 0;
    gate = new SocketGate({
      socket: path.join(dir, 'run', 'docker.sock'),
      engineSocket: path.join(dir, 'run', 'engine.sock'),
      log: (l) => lines.push(l),
      holdTimeoutMs: 2_000,
      engineRetryMs: 1_000,
    });
    gate.onDemand(() => demands++);
  });

  afterEach(async () => {
    await gate.setMode('closed');
    await new Promise<void>((r) => (engine ? engine.close(() => r()) : r()));
    engine = null;
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * An engine that answers each connection with `<prefix>` + its first chunk, or, when the client
   * half-closes first, with `<prefix>` + all it read (the answer travels after the client's EOF).
   */
  async function startEngine(prefix: string): Promise<void> {
    await mkdir(path.join(dir, 'run'), { recursive: true });
    engine = net.createServer({ allowHalfOpen: true }, (s) => {
      let got = '';
      const answer = (): void => {
        if (!s.writableEnded) s.end(`${prefix}${got}`);
      };
      s.on('data', (d: Buffer) => {
        got += d.toString();
        if (!got.endsWith('|')) answer();
      });
      s.on('end', answer);
    });
    await new Promise<void>((r) => engine!.listen(path.join(dir, 'run', 'engine.sock'), () => r()));
  }

  it('is absent while closed, and a private socket once open', async () => {
    await expect(ask(path.join(dir, 'run', 'docker.sock'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    await gate.setMode('hold');
    expect((await stat(path.join(dir, 'run', 'docker.sock'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, 'run'))).mode & 0o777).toBe(0o700);
  });

  it('passes clients through with half close, and counts them', async () => {
    await startEngine('echo:');
    await gate.setMode('pass');
    expect(await ask(path.join(dir, 'run', 'docker.sock'), 'GET /_ping')).toBe('echo:GET /_ping');
    // An attach-style stream: the client ends its side and still gets the answer.
    expect(await ask(path.join(dir, 'run', 'docker.sock'), 'stdin|', true)).toBe('echo:stdin|');
    await sleep(20);
    expect(gate.clients).toBe(0);
    expect(gate.lastClientSeen).toBeGreaterThan(Date.now() - 1_000);
    expect(demands).toBe(0);
  });

  it('keeps a client waiting while the VM sleeps, asks for a wake, and serves it once running', async () => {
    await gate.setMode('hold');
    const answer = ask(path.join(dir, 'run', 'docker.sock'), 'GET /containers/json');
    await sleep(100);
    expect(demands).toBe(1);
    expect(gate.waiting).toBe(1);
    expect(gate.clients).toBe(1);
    await startEngine('woke:');
    await gate.setMode('pass');
    expect(await answer).toBe('woke:GET /containers/json');
    expect(gate.waiting).toBe(0);
  });

  it('forgets a client that gives up while waiting', async () => {
    await gate.setMode('hold');
    for (const giveUp of [(c: net.Socket) => c.destroy(), (c: net.Socket) => c.end()]) {
      const c = net.connect(path.join(dir, 'run', 'docker.sock'));
      c.on('error', () => undefined);
      await new Promise((r) => c.once('connect', r));
      c.write('GET /info');
      await sleep(50);
      expect(gate.waiting).toBe(1);
      giveUp(c);
      await sleep(50);
      expect(gate.waiting).toBe(0);
      expect(gate.clients).toBe(0);
    }
  });

  it('disconnects waiting clients when the VM stops or fails, and after the hold timeout', async () => {
    await gate.setMode('hold');
    const stopped = ask(path.join(dir, 'run', 'docker.sock'), 'x');
    await sleep(50);
    await gate.follow('stopped');
    expect(await stopped).toBe('');
    await expect(ask(path.join(dir, 'run', 'docker.sock'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    await gate.follow('sleeping');
    const started = Date.now();
    expect(await ask(path.join(dir, 'run', 'docker.sock'), 'x')).toBe('');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(lines.join('\n')).toMatch(/waited too long/);
  });
});

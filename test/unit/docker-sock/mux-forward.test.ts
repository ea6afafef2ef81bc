import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { DliteError } from '../../../electron/core/dlite-error.js';
import type { ForwarderState } from '../../../electron/core/docker-sock/ssh-forward.js';
import { MuxForwarder } from '../../../electron/core/docker-sock/mux-forward.js';
import {
  type Frame,
  FrameDecoder,
  FrameType,
  encodeFrame,
  helloAckFrame,
  helloFrame,
  windowFrame,
} from '../../../electron/core/docker-sock/mux-frames.js';
import { type DlitePaths, resolvePaths } from '../../../electron/core/paths.js';

// The host half against a guest agent written here (the real C agent is exercised against the same
// forwarder in test/unit/os and against the real engine in test/vm). The "engine" is a unix server:
// `GET /_ping` answers OK; anything else is echoed, and its end answers "BYE" before closing.

const CREDIT = 262_144;
let dir: string;
let paths: DlitePaths;
let engine: net.Server;
let engineSock: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-mux-'));
  paths = resolvePaths({ DLITE_HOME: dir });
  await mkdir(paths.runDir, { mode: 0o700 });
  engineSock = path.join(dir, 'engine.sock');
  engine = net.createServer({ allowHalfOpen: true }, (s) => {
    let first = true;
    s.on('data', (b: Buffer) => {
      if (first && b.toString().startsWith('GET /_ping')) {
        s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK');
        return;
      }
      first = false;
      s.write(b);
    });
    s.on('end', () => s.end('BYE'));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => engine.listen(engineSock, r));
});
afterAll(async () => {
  engine.close();
  await rm(dir, { recursive: true, force: true });
});

/** A guest agent speaking the protocol on `channel`, connecting OPENs to the test engine. */
class FakeAgent {
  readonly server: net.Server;
  host: net.Socket | null = null;
  readonly frames: Frame[] = [];
  /** Bytes of DATA received per id beyond the credit granted: must stay 0. */
  overrun = 0;
  holdWindows = false;
  private readonly credit = new Map<number, number>();
  private readonly targets = new Map<number, net.Socket>();

  constructor(readonly channel: string) {
    this.server = net.createServer((host) => {
      this.host = host;
      const dec = new FrameDecoder();
      host.write(helloFrame());
      host.on('data', (b: Buffer) => {
        for (const f of dec.push(b)) this.onFrame(f);
      });
      host.on('error', () => undefined);
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.channel, resolve);
    });
  }

  private onFrame(f: Frame): void {
    this.frames.push(f);
    const host = this.host!;
    if (f.type === FrameType.hello) host.write(helloAckFrame());
    if (f.type === FrameType.open) {
      this.credit.set(f.id, CREDIT);
      const t = net.connect({ path: engineSock, allowHalfOpen: true });
      this.targets.set(f.id, t);
      t.on('data', (b: Buffer) => host.write(encodeFrame(FrameType.data, f.id, b)));
      t.on('end', () => host.write(encodeFrame(FrameType.eof, f.id)));
      t.on('close', () => host.write(encodeFrame(FrameType.close, f.id)));
      t.on('error', () => undefined);
    }
    const t = this.targets.get(f.id);
    if (f.type === FrameType.data && t) {
      const left = (this.credit.get(f.id) ?? 0) - f.payload.length;
      if (left < 0) this.overrun += -left;
      this.credit.set(f.id, left);
      t.write(f.payload);
      if (!this.holdWindows) this.grant(f.id, f.payload.length);
    }
    if (f.type === FrameType.eof) t?.end();
  }

  grant(id: number, n: number): void {
    this.credit.set(id, (this.credit.get(id) ?? 0) + n);
    this.host?.write(windowFrame(id, n));
  }

  dataBytes(id: number): number {
    return this.frames
      .filter((f) => f.type === FrameType.data && f.id === id)
      .reduce((a, f) => a + f.payload.length, 0);
  }

  async close(): Promise<void> {
    this.host?.destroy();
    for (const t of this.targets.values()) t.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

let agent: FakeAgent | null = null;
let fwd: MuxForwarder | null = null;
afterEach(async () => {
  await fwd?.stop();
  await agent?.close();
  fwd = agent = null;
});

async function started(): Promise<{ fwd: MuxForwarder; agent: FakeAgent; states: ForwarderState[] }> {
  agent = new FakeAgent(paths.dockerPortSocket);
  await agent.listen();
  fwd = new MuxForwarder({ channel: paths.dockerPortSocket, paths, handshakeTimeoutMs: 3_000 });
  const states: ForwarderState[] = [];
  fwd.onDidChangeState((s) => states.push(s));
  await fwd.start(10_000);
  return { fwd, agent, states };
}

/** A client on the host socket; half-open clients stay open after the far end finished. */
function dial(allowHalfOpen = false): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ path: paths.dockerSocket, allowHalfOpen }, () => resolve(s));
    s.on('error', reject);
  });
}

function readAll(s: net.Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  s.on('data', (b: Buffer) => parts.push(b));
  return new Promise((r) => s.on('end', () => r(Buffer.concat(parts))));
}

/** Dials the host socket and returns the client with the id the agent saw in its OPEN. */
async function dialOpen(agent: FakeAgent): Promise<{ s: net.Socket; id: number }> {
  const opens = (): Frame[] => agent.frames.filter((f) => f.type === FrameType.open);
  const before = opens().length;
  const s = await dial();
  await until(() => opens().length > before);
  return { s, id: opens()[before]!.id };
}

const until = async (cond: () => boolean, ms = 5_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met in time: ${cond.toString()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('MuxForwarder', () => {
  it('handshakes, serves a private docker.sock and answers /_ping through the agent', async () => {
    const { fwd, states } = await started();
    expect(states).toEqual(['starting', 'running']);
    expect(fwd.transport).toBe('mux');
    expect(await fwd.api.ping()).toBe('OK');
    expect((await stat(paths.dockerSocket)).mode & 0o777).toBe(0o600);
    expect((await stat(paths.runDir)).mode & 0o777).toBe(0o700);
  });

  it('carries 8 MiB each way, never beyond credit, and keeps a half-closed stream readable', async () => {
    const { agent } = await started();
    const s = await dial(true);
    const body = Buffer.alloc(8 * 1024 * 1024, 7);
    const got = readAll(s);
    s.end(body);
    const back = await got;
    expect(back.length).toBe(body.length + 3);
    expect(back.subarray(-3).toString()).toBe('BYE');
    expect(agent.overrun).toBe(0);
    expect(agent.frames.some((f) => f.type === FrameType.eof)).toBe(true);
  });

  it('stops sending at 256 KiB without WINDOW and resumes when credit comes', async () => {
    const { agent } = await started();
    agent.holdWindows = true;
    const { s, id } = await dialOpen(agent);
    s.on('data', () => undefined);
    s.write(Buffer.alloc(1024 * 1024, 1));
    await until(() => agent.dataBytes(id) === CREDIT);
    await new Promise((r) => setTimeout(r, 200));
    expect(agent.dataBytes(id)).toBe(CREDIT);
    agent.grant(id, CREDIT);
    await until(() => agent.dataBytes(id) === 2 * CREDIT);
    expect(agent.overrun).toBe(0);
    s.destroy();
  });

  it('closes the client when the agent sends CLOSE and tells the agent when the client goes', async () => {
    const { agent, fwd } = await started();
    const { s: a, id: idA } = await dialOpen(agent);
    const aClosed = new Promise((r) => a.on('close', r));
    const open = fwd.connections;
    agent.host!.write(encodeFrame(FrameType.close, idA));
    await aClosed;
    expect(fwd.connections).toBe(open - 1);
    const { s: b, id: idB } = await dialOpen(agent);
    b.destroy();
    await until(() => agent.frames.some((f) => f.type === FrameType.eof && f.id === idB));
    await until(() => fwd.connections === open - 1);
  });

  it('drops every connection and acknowledges when the agent says HELLO again (it restarted)', async () => {
    const { agent, fwd } = await started();
    const { s: a } = await dialOpen(agent);
    const closed = new Promise((r) => a.on('close', r));
    const acks = (): number => agent.frames.filter((f) => f.type === FrameType.helloAck).length;
    const before = acks();
    agent.host!.write(helloFrame());
    await closed;
    await until(() => acks() === before + 1);
    expect(fwd.state).toBe('running');
    expect(await fwd.api.ping()).toBe('OK');
  });

  it('resynchronises with HELLO after a header it cannot parse', async () => {
    const { agent, fwd } = await started();
    const { s: a } = await dialOpen(agent);
    const closed = new Promise((r) => a.on('close', r));
    const hellos = (): number => agent.frames.filter((f) => f.type === FrameType.hello).length;
    const before = hellos();
    const bad = encodeFrame(FrameType.data, 1);
    bad.writeUInt32BE(1 << 20, 8);
    agent.host!.write(bad);
    await closed;
    await until(() => hellos() === before + 1);
    expect(await fwd.api.ping()).toBe('OK');
  });

  it('closes a connection whose agent sends beyond the credit it was granted', async () => {
    const { agent, fwd } = await started();
    const { s, id } = await dialOpen(agent);
    s.pause(); // nothing is consumed, so nothing is granted back
    const open = fwd.connections;
    for (let i = 0; i < 20; i++) agent.host!.write(encodeFrame(FrameType.data, id, Buffer.alloc(65_536)));
    await until(() => agent.frames.some((f) => f.type === FrameType.close && f.id === id));
    expect(fwd.connections).toBe(open - 1);
    s.destroy();
  });

  it('reconnects when the port connection drops while running', async () => {
    const { agent, fwd, states } = await started();
    agent.host!.destroy();
    await until(() => states.includes('restarting'));
    await until(() => fwd.state === 'running');
    expect(await fwd.api.ping()).toBe('OK');
  });

  it('fails with docker-unreachable when no agent answers, leaving no socket behind', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(paths.dockerPortSocket, r));
    fwd = new MuxForwarder({ channel: paths.dockerPortSocket, paths, handshakeTimeoutMs: 600 });
    const e = await fwd.start(5_000).catch((x: unknown) => x);
    silent.close();
    expect(e).toBeInstanceOf(DliteError);
    expect((e as DliteError).code).toBe('docker-unreachable');
    expect((e as Error).message).toMatch(
      /^The VM's Docker port \(virtio-serial\) did not answer within 1 s \(no HELLO/,
    );
    expect(fwd.state).toBe('failed');
    await expect(stat(paths.dockerSocket)).rejects.toThrow(/ENOENT/);
  });
});

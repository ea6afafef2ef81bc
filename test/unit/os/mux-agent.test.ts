import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/*
 * The guest agent of the Docker socket transport (build/os/mux/dlite-mux.c), compiled here and run
 * against unix sockets: the test plays the host (it serves the "port" the agent connects to with
 * --port) and provides the "engine" sockets the agent connects each stream to (--target). The frame
 * encoder and decoder below follow build/os/mux/PROTOCOL.md and share nothing with the host code.
 */

const SOURCE = path.resolve(import.meta.dirname, '../../../build/os/mux/dlite-mux.c');
const HELLO = 1;
const OPEN = 2;
const DATA = 3;
const EOF = 4;
const CLOSE = 5;
const WINDOW = 6;
const HELLO_ACK = 7;
const CREDIT = 262144;
const MAX_PAYLOAD = 65536;
const MAGIC = Buffer.from('dlite-mux/1');

interface Frame {
  type: number;
  id: number;
  payload: Buffer;
}

function frame(type: number, id: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(12);
  h[0] = type;
  h.writeUInt32BE(id, 4);
  h.writeUInt32BE(payload.length, 8);
  return Buffer.concat([h, payload]);
}

function windowFrame(id: number, n: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(n);
  return frame(WINDOW, id, p);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Polls `cond` every 5 ms; rejects naming `what` after `ms`. */
async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** The host end: decodes every frame the agent sends and checks the agent's use of credit. */
class Host {
  readonly frames: Frame[] = [];
  readonly received = new Map<number, Buffer[]>();
  readonly receivedBytes = new Map<number, number>();
  readonly granted = new Map<number, number>();
  /** Credit the agent gave us (host → guest direction). */
  readonly sendCredit = new Map<number, number>();
  readonly violations: string[] = [];
  autoGrant = true;
  private buf: Buffer = Buffer.alloc(0);

  constructor(readonly sock: net.Socket) {
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('error', () => {});
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let pos = 0;
    while (this.buf.length - pos >= 12) {
      const len = this.buf.readUInt32BE(pos + 8);
      if (len > MAX_PAYLOAD) this.violations.push(`frame length ${len}`);
      if (this.buf.length - pos < 12 + len) break;
      const f = {
        type: this.buf.readUInt8(pos),
        id: this.buf.readUInt32BE(pos + 4),
        payload: Buffer.from(this.buf.subarray(pos + 12, pos + 12 + len)),
      };
      if (this.buf.readUInt8(pos + 1) !== 0 || this.buf.readUInt16BE(pos + 2) !== 0) {
        this.violations.push('flags');
      }
      pos += 12 + len;
      this.onFrame(f);
    }
    this.buf = this.buf.subarray(pos);
  }

  private onFrame(f: Frame): void {
    this.frames.push(f);
    if (f.type === DATA) {
      if (f.payload.length === 0) this.violations.push(`empty DATA on ${f.id}`);
      const list = this.received.get(f.id) ?? [];
      list.push(f.payload);
      this.received.set(f.id, list);
      const total = (this.receivedBytes.get(f.id) ?? 0) + f.payload.length;
      this.receivedBytes.set(f.id, total);
      if (total > CREDIT + (this.granted.get(f.id) ?? 0)) {
        this.violations.push(
          `id ${f.id}: ${total} bytes received, credit ${CREDIT + (this.granted.get(f.id) ?? 0)}`,
        );
      }
      if (this.frames.some((g) => g.id === f.id && g.type === EOF)) this.violations.push(`DATA after EOF`);
      if (this.autoGrant) this.grant(f.id, f.payload.length);
    } else if (f.type === WINDOW) {
      this.sendCredit.set(f.id, this.credit(f.id) + f.payload.readUInt32BE(0));
    }
  }

  write(b: Buffer): boolean {
    return this.sock.write(b);
  }

  grant(id: number, n: number): void {
    this.granted.set(id, (this.granted.get(id) ?? 0) + n);
    this.write(windowFrame(id, n));
  }

  credit(id: number): number {
    return this.sendCredit.get(id) ?? CREDIT;
  }

  open(id: number): void {
    this.sendCredit.set(id, CREDIT);
    this.write(frame(OPEN, id));
  }

  /** Sends `data` on `id` in DATA frames of at most 64 KiB, never beyond the credit granted. */
  async send(id: number, data: Buffer, ms = 10_000): Promise<void> {
    let off = 0;
    while (off < data.length) {
      await until(() => this.credit(id) > 0, `credit on ${id}`, ms);
      const n = Math.min(MAX_PAYLOAD, this.credit(id), data.length - off);
      this.sendCredit.set(id, this.credit(id) - n);
      if (!this.write(frame(DATA, id, data.subarray(off, off + n)))) {
        await new Promise((r) => this.sock.once('drain', r));
      }
      off += n;
    }
  }

  data(id: number): Buffer {
    return Buffer.concat(this.received.get(id) ?? []);
  }

  has(type: number, id: number): boolean {
    return this.frames.some((f) => f.type === type && f.id === id);
  }

  count(type: number): number {
    return this.frames.filter((f) => f.type === type).length;
  }

  /** Waits for the `nth` (1-based) frame of `type` (and `id`, when given). */
  async waitFor(type: number, id?: number, nth = 1, ms = 5000): Promise<Frame> {
    const match = () => this.frames.filter((f) => f.type === type && (id === undefined || f.id === id));
    await until(() => match().length >= nth, `frame type ${type} id ${id ?? '*'} #${nth}`, ms);
    const f = match()[nth - 1];
    if (!f) throw new Error('unreachable');
    return f;
  }
}

/** A unix socket "engine" the agent connects streams to. */
interface Target {
  path: string;
  conns: net.Socket[];
  closed: number;
  ended: number;
  server: net.Server;
}

type Behaviour = (s: net.Socket) => void;

const echo: Behaviour = (s) => s.pipe(s);

let dir: string;
let agentBin: string;
let seq = 0;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-mux-'));
  agentBin = path.join(dir, 'dlite-mux');
  await promisify(execFile)('gcc', [
    ...['-std=c11', '-O2', '-Wall', '-Wextra', '-Werror'],
    ...['-o', agentBin, SOURCE],
  ]);
}, 30_000);

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function startTarget(behaviour: Behaviour): Promise<Target> {
  const t: Target = {
    path: path.join(dir, `target-${++seq}.sock`),
    conns: [],
    closed: 0,
    ended: 0,
    server: undefined!,
  };
  t.server = net.createServer({ allowHalfOpen: true }, (s) => {
    t.conns.push(s);
    s.on('error', () => {});
    s.on('close', () => t.closed++);
    s.on('end', () => t.ended++);
    behaviour(s);
  });
  await new Promise<void>((r) => t.server.listen({ path: t.path, backlog: 2048 }, r));
  cleanups.push(() => {
    for (const s of t.conns) s.destroy();
    return new Promise<void>((r) => t.server.close(() => r()));
  });
  return t;
}

interface Agent {
  host: Host;
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Serves a port socket, starts the agent on it and returns once the agent connected. */
async function startAgent(targetPath: string): Promise<Agent> {
  const portPath = path.join(dir, `port-${++seq}.sock`);
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(portPath, r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const child = spawn(agentBin, ['--port', portPath, '--target', targetPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const sock = await accepted;
  const host = new Host(sock);
  cleanups.push(async () => {
    child.kill('SIGKILL');
    await exited;
    sock.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return { host, child, stderr: () => err, exited };
}

/** Agent + target, handshake done. */
async function session(behaviour: Behaviour = echo): Promise<{ host: Host; target: Target; agent: Agent }> {
  const target = await startTarget(behaviour);
  const agent = await startAgent(target.path);
  agent.host.write(frame(HELLO, 0, MAGIC));
  await agent.host.waitFor(HELLO_ACK, 0);
  return { host: agent.host, target, agent };
}

describe('dlite-mux agent', () => {
  it('says HELLO, resynchronises past garbage and answers HELLO with HELLO_ACK', async () => {
    const target = await startTarget(echo);
    const { host } = await startAgent(target.path);
    const hello = await host.waitFor(HELLO, 0);
    expect(hello.payload).toEqual(MAGIC);
    expect(host.frames[0]).toEqual(hello);
    // A torn HELLO, a valid-looking OPEN, random bytes, then the real HELLO.
    const torn = frame(HELLO, 0, MAGIC).subarray(0, 17);
    host.write(Buffer.concat([torn, frame(OPEN, 9), randomBytes(3000).map((b) => (b === 1 ? 2 : b))]));
    await sleep(50);
    expect(host.count(HELLO_ACK)).toBe(0);
    host.write(frame(HELLO, 0, MAGIC));
    const ack = await host.waitFor(HELLO_ACK, 0);
    expect(ack.payload).toEqual(MAGIC);
    expect(target.conns).toHaveLength(0); // the OPEN in the garbage was skipped
    host.open(1);
    host.write(frame(DATA, 1, Buffer.from('ping')));
    await until(() => host.data(1).toString() === 'ping', 'echo');
    expect(host.violations).toEqual([]);
  }, 10_000);

  it('also starts on HELLO_ACK (the host answered our HELLO)', async () => {
    const target = await startTarget(echo);
    const { host } = await startAgent(target.path);
    await host.waitFor(HELLO, 0);
    host.write(frame(HELLO_ACK, 0, MAGIC));
    host.open(1);
    host.write(frame(DATA, 1, Buffer.from('x')));
    await until(() => host.data(1).toString() === 'x', 'echo');
    expect(host.count(HELLO_ACK)).toBe(0); // HELLO_ACK is never answered
  }, 10_000);

  it('opens a connection and round-trips DATA', async () => {
    const { host, target } = await session();
    host.open(1);
    host.write(frame(DATA, 1, Buffer.from('GET /_ping HTTP/1.1\r\n\r\n')));
    await until(() => host.data(1).toString() === 'GET /_ping HTTP/1.1\r\n\r\n', 'echo');
    expect(target.conns).toHaveLength(1);
    expect(host.has(CLOSE, 1)).toBe(false);
    expect(host.violations).toEqual([]);
  }, 10_000);

  it('keeps many interleaved connections apart', async () => {
    const { host } = await session();
    const n = 200;
    const payloads = new Map<number, Buffer[]>();
    for (let id = 1; id <= n; id++) {
      host.open(id);
      payloads.set(
        id,
        [0, 1, 2].map(() => randomBytes(1 + Math.floor(Math.random() * 20_000))),
      );
    }
    for (let part = 0; part < 3; part++) {
      for (let id = n; id >= 1; id--) host.write(frame(DATA, id, payloads.get(id)![part]));
    }
    for (let id = 1; id <= n; id++) host.write(frame(EOF, id));
    await until(() => host.count(CLOSE) === n, `${n} CLOSEs`, 10_000);
    for (let id = 1; id <= n; id++) {
      expect(sha(host.data(id))).toBe(sha(Buffer.concat(payloads.get(id)!)));
      expect(host.has(EOF, id)).toBe(true);
    }
    expect(host.violations).toEqual([]);
  }, 15_000);

  it('moves 20 MiB each way through an echo within the credit', async () => {
    const { host } = await session();
    const data = randomBytes(20 << 20);
    host.open(1);
    await host.send(1, data);
    host.write(frame(EOF, 1));
    await host.waitFor(CLOSE, 1, 1, 15_000);
    expect(host.data(1).length).toBe(data.length);
    expect(sha(host.data(1))).toBe(sha(data));
    expect(host.violations).toEqual([]);
    // Grants are batched: no more than one per DATA frame the agent was sent.
    const windows = host.frames.filter((f) => f.type === WINDOW && f.id === 1);
    expect(windows.length).toBeLessThanOrEqual(data.length / MAX_PAYLOAD);
  }, 20_000);

  it('stops at the credit and resumes on WINDOW', async () => {
    const total = 1 << 20;
    const source = randomBytes(total);
    const { host } = await session((s) => {
      s.end(source);
      s.resume();
    });
    host.autoGrant = false;
    host.open(1);
    await until(() => host.data(1).length === CREDIT, 'the first 256 KiB');
    await sleep(300);
    expect(host.data(1).length).toBe(CREDIT);
    host.grant(1, 100_000);
    await until(() => host.data(1).length === CREDIT + 100_000, 'the granted bytes');
    await sleep(200);
    expect(host.data(1).length).toBe(CREDIT + 100_000);
    host.autoGrant = true;
    host.grant(1, total);
    await host.waitFor(EOF, 1);
    expect(sha(host.data(1))).toBe(sha(source));
    expect(host.violations).toEqual([]);
  }, 10_000);

  it('half-closes: the target sees EOF, still answers, then EOF and CLOSE come back', async () => {
    let sawEnd = false;
    const { host } = await session((s) => {
      const got: Buffer[] = [];
      s.on('data', (d: Buffer) => got.push(d));
      s.on('end', () => {
        sawEnd = true;
        s.end(`got ${Buffer.concat(got).toString()}`);
      });
    });
    host.open(1);
    host.write(frame(DATA, 1, Buffer.from('hello')));
    host.write(frame(EOF, 1));
    const close = await host.waitFor(CLOSE, 1);
    expect(sawEnd).toBe(true);
    expect(host.data(1).toString()).toBe('got hello');
    const order = host.frames.filter((f) => f.id === 1).map((f) => f.type);
    expect(order.slice(-2)).toEqual([EOF, CLOSE]);
    expect(close.payload.length).toBe(0);
    expect(host.violations).toEqual([]);
  }, 10_000);

  it('half-closes the other way: the target ends first and still reads what follows', async () => {
    const got: Buffer[] = [];
    let ended = false;
    const { host } = await session((s) => {
      s.end('hi');
      s.on('data', (d: Buffer) => got.push(d));
      s.on('end', () => (ended = true));
    });
    host.open(1);
    await host.waitFor(EOF, 1);
    expect(host.data(1).toString()).toBe('hi');
    await sleep(100);
    expect(host.has(CLOSE, 1)).toBe(false); // our direction is still open
    host.write(frame(DATA, 1, Buffer.from('more')));
    host.write(frame(EOF, 1));
    await host.waitFor(CLOSE, 1);
    await until(() => ended, 'the target to see EOF');
    expect(Buffer.concat(got).toString()).toBe('more');
  }, 10_000);

  it('answers CLOSE when the target socket does not exist', async () => {
    const agent = await startAgent(path.join(dir, 'no-such.sock'));
    const { host } = agent;
    host.write(frame(HELLO, 0, MAGIC));
    await host.waitFor(HELLO_ACK, 0);
    host.open(1);
    host.write(frame(DATA, 1, Buffer.from('lost')));
    await host.waitFor(CLOSE, 1);
    host.open(2);
    await host.waitFor(CLOSE, 2);
    expect(host.has(DATA, 1)).toBe(false);
    expect(agent.stderr()).toMatch(/connect .*no-such\.sock/);
  }, 10_000);

  it('closes a connection whose host sends beyond the credit', async () => {
    const { host, target, agent } = await session((s) => s.pause()); // the target never reads
    host.open(1);
    // Fill everything: the target's socket buffers, then the agent's 256 KiB.
    const big = randomBytes(8 << 20);
    void host.send(1, big).catch(() => {});
    let last = -1;
    await until(
      () => {
        const c = host.credit(1);
        const quiet = c === 0 && last === 0;
        last = c;
        return quiet;
      },
      'credit exhausted',
      8000,
    );
    await sleep(200);
    expect(host.credit(1)).toBe(0);
    expect(host.has(CLOSE, 1)).toBe(false);
    host.write(frame(DATA, 1, Buffer.from('x')));
    await host.waitFor(CLOSE, 1);
    expect(agent.stderr()).toMatch(/DATA beyond credit on 1/);
    target.conns[0]?.resume(); // reads what is buffered, then the end
    await until(() => target.ended === 1, 'the target to see the connection end');
    expect(host.violations).toEqual([]);
  }, 15_000);

  it('skips frames of unknown types', async () => {
    const { host } = await session();
    host.open(1);
    host.write(frame(42, 1, randomBytes(1000)));
    host.write(frame(200, 0));
    host.write(frame(99, 7, Buffer.alloc(MAX_PAYLOAD, 3)));
    host.write(frame(DATA, 1, Buffer.from('still here')));
    await until(() => host.data(1).toString() === 'still here', 'echo');
    expect(host.has(CLOSE, 1)).toBe(false);
    expect(host.count(HELLO)).toBe(1);
  }, 10_000);

  it('resynchronises on a frame longer than 64 KiB', async () => {
    const { host, target } = await session();
    host.open(1);
    host.write(frame(DATA, 1, Buffer.from('a')));
    await until(() => host.data(1).length === 1, 'echo');
    const bad = Buffer.alloc(12);
    bad[0] = DATA;
    bad.writeUInt32BE(1, 4);
    bad.writeUInt32BE(MAX_PAYLOAD + 1, 8);
    host.write(bad);
    await host.waitFor(HELLO, 0, 2); // the agent starts over
    await until(() => target.closed === 1, 'the connection to be closed');
    host.write(frame(OPEN, 5)); // ignored until synchronised
    host.write(frame(HELLO_ACK, 0, MAGIC));
    host.open(2);
    host.write(frame(DATA, 2, Buffer.from('b')));
    await until(() => host.data(2).toString() === 'b', 'echo after resync');
    expect(target.conns).toHaveLength(2);
  }, 10_000);

  it('closes every connection on a second HELLO and starts over', async () => {
    const { host, target } = await session();
    for (const id of [1, 2, 3]) host.open(id);
    await until(() => target.conns.length === 3, 'three target connections');
    host.write(frame(HELLO, 0, MAGIC));
    await host.waitFor(HELLO_ACK, 0, 2);
    await until(() => target.closed === 3, 'the target to see them close');
    // A restarted host counts from 1 again.
    host.open(1);
    host.write(frame(DATA, 1, Buffer.from('again')));
    await until(() => host.data(1).toString() === 'again', 'echo on the new id 1');
    expect(target.conns).toHaveLength(4);
  }, 10_000);

  it('refuses the 1025th connection', async () => {
    const { host, target } = await session();
    for (let id = 1; id <= 1025; id++) host.open(id);
    await host.waitFor(CLOSE, 1025);
    await until(() => target.conns.length === 1024, '1024 target connections');
    expect(host.count(CLOSE)).toBe(1);
    host.write(frame(CLOSE, 7));
    await until(() => target.closed === 1, 'id 7 closed');
    host.open(1026);
    host.write(frame(DATA, 1026, Buffer.from('room again')));
    await until(() => host.data(1026).toString() === 'room again', 'echo on 1026');
  }, 15_000);

  it('exits 0 when the port socket reaches end of file', async () => {
    const { agent } = await session();
    agent.host.sock.end();
    expect(await agent.exited).toBe(0);
  }, 10_000);
});

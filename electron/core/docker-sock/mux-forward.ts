import { chmod, rm } from 'node:fs/promises';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import type { DlitePaths } from '../paths.js';

import { DliteError } from '../dlite-error.js';
import { type DockerForward, ForwardBase } from './forward-base.js';
import {
  type Frame,
  FrameDecoder,
  FrameType,
  INITIAL_CREDIT,
  MAX_PAYLOAD,
  MuxStreamError,
  encodeFrame,
  encodeHeader,
  helloAckFrame,
  helloFrame,
  windowFrame,
} from './mux-frames.js';

export interface MuxForwarderOptions {
  /**
   * The hypervisor's unix socket for the guest's Docker port: QEMU's end of the `io.dlite.docker`
   * virtio-serial port, or vfkit's vsock socket (each connection is dialled into guest vsock 2375).
   */
  readonly channel: string;
  /** Which kind of port `channel` is, for messages (default `virtio-serial`). */
  readonly kind?: 'virtio-serial' | 'vsock';
  readonly paths: Pick<DlitePaths, 'dockerSocket' | 'runDir'>;
  /** How long start() waits for the agent's HELLO / HELLO_ACK, ms (default 15 s). */
  readonly handshakeTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** One host client connection carried over the port. */
interface Conn {
  readonly id: number;
  readonly sock: net.Socket;
  /** Bytes we may still send the guest for this id. */
  credit: number;
  /** Client bytes waiting for credit. */
  readonly queue: Buffer[];
  ended: boolean;
  eofSent: boolean;
  /** Bytes the guest may still send us (our grant outstanding). */
  granted: number;
  /** Written to the client, not yet granted back. */
  consumed: number;
}

/**
 * Grant credit back once this many bytes were written to a client: half the window, so the agent
 * never stalls on a client that keeps up, and small requests cost no WINDOW frame.
 */
const GRANT_BATCH = INITIAL_CREDIT / 2;

/**
 * Serves the host's docker.sock by multiplexing every client connection over the guest's
 * virtio-serial port (build/os/mux/PROTOCOL.md): no SSH and no network between host and engine.
 * The host socket is 0600 inside the 0700 run dir. When the port's connection drops while the VM
 * runs it reconnects (at most 5 times a minute, then `failed`).
 */
export class MuxForwarder extends ForwardBase implements DockerForward {
  readonly transport = 'mux';
  private channel: net.Socket | null = null;
  private server: net.Server | null = null;
  private readonly conns = new Map<number, Conn>();
  private nextId = 1;
  private decoder = new FrameDecoder();
  private onSynced: (() => void) | null = null;
  private lifetime = new AbortController();
  private restarts: number[] = [];

  constructor(private readonly options: MuxForwarderOptions) {
    super(options.paths.dockerSocket);
  }

  /** No helper process: the daemon itself carries the streams. */
  get pid(): number | undefined {
    return undefined;
  }

  /** Open client connections (for tests and diagnostics). */
  get connections(): number {
    return this.conns.size;
  }

  /**
   * Connects to the port, handshakes with the guest agent, serves the host socket and waits for
   * `GET /_ping`. Rejects with DliteError('docker-unreachable') when the agent never answers.
   */
  protected async doStart(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    this.lifetime = new AbortController();
    this.restarts = [];
    const lifetime = this.lifetime.signal;
    const sig = signal ? AbortSignal.any([signal, lifetime]) : lifetime;
    this.setState('starting');
    const deadline = Date.now() + timeoutMs;
    try {
      await this.connect(Math.min(deadline, Date.now() + (this.options.handshakeTimeoutMs ?? 15_000)), sig);
      await this.listen();
      await this.waitPing(deadline, sig);
      this.setState('running');
    } catch (e) {
      await this.teardown();
      if (!lifetime.aborted) this.setState('failed', (e as Error).message);
      throw e;
    }
  }

  /** Stops serving, closes every client connection and removes the host socket. Idempotent. */
  async stop(): Promise<void> {
    this.setState('stopped');
    this.lifetime.abort();
    await this.starting?.catch(() => undefined);
    await this.teardown();
  }

  private async teardown(): Promise<void> {
    this.dropAll();
    this.channel?.destroy();
    this.channel = null;
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
    await rm(this.socketPath, { force: true });
  }

  /** Connects to the port socket and completes the HELLO exchange before `deadline`. */
  private async connect(deadline: number, signal: AbortSignal): Promise<void> {
    let last = '';
    for (;;) {
      if (signal.aborted) throw new DliteError('cancelled', 'Cancelled while connecting to the Docker port');
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new DliteError(
          'docker-unreachable',
          `The VM's Docker port (${this.options.kind ?? 'virtio-serial'}) did not answer within ${Math.round((this.options.handshakeTimeoutMs ?? 15_000) / 1000)} s${last ? ` (${last})` : ''}`,
        );
      }
      try {
        await this.handshake(left, signal);
        return;
      } catch (e) {
        last = (e as Error).message;
        this.channel?.destroy();
        this.channel = null;
      }
      await sleep(200, undefined, { signal }).catch(() => undefined);
    }
  }

  private handshake(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(this.options.channel);
      this.channel = sock;
      this.decoder = new FrameDecoder();
      let settled = false;
      const settle = (why?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.onSynced = null;
        if (why === undefined) resolve();
        else reject(new Error(why));
      };
      const timer = setTimeout(() => settle('no HELLO from the guest agent'), timeoutMs);
      const onAbort = (): void => settle('cancelled');
      signal.addEventListener('abort', onAbort, { once: true });
      this.onSynced = () => settle();
      sock.once('connect', () => sock.write(helloFrame()));
      sock.on('data', (chunk: Buffer) => {
        if (Object.is(this.channel, sock)) this.onChannelData(chunk);
      });
      sock.on('error', (e) => settle(e.message));
      sock.on('close', () => {
        if (!settled) settle('the port closed');
        else if (Object.is(this.channel, sock)) this.onChannelLost();
      });
    });
  }

  private async listen(): Promise<void> {
    await this.prepareSocket(this.options.paths.runDir);
    const server = net.createServer({ allowHalfOpen: true }, (sock) => this.accept(sock));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await chmod(this.socketPath, 0o600);
  }

  private send(frame: Buffer): void {
    this.channel?.write(frame);
  }

  private sendData(id: number, payload: Buffer): void {
    const ch = this.channel;
    if (!ch) return;
    ch.cork();
    ch.write(encodeHeader(FrameType.data, id, payload.length));
    ch.write(payload);
    ch.uncork();
  }

  private accept(sock: net.Socket): void {
    if (this.state !== 'running' && this.state !== 'starting') {
      sock.destroy();
      return;
    }
    const c: Conn = {
      id: this.nextId++,
      sock,
      credit: INITIAL_CREDIT,
      queue: [],
      ended: false,
      eofSent: false,
      granted: INITIAL_CREDIT,
      consumed: 0,
    };
    this.conns.set(c.id, c);
    this.send(encodeFrame(FrameType.open, c.id));
    sock.on('data', (chunk: Buffer) => {
      c.queue.push(chunk);
      this.pump(c);
    });
    sock.on('end', () => {
      c.ended = true;
      this.pump(c);
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      if (this.conns.delete(c.id)) this.send(encodeFrame(FrameType.close, c.id));
    });
  }

  /** Sends queued client bytes as far as credit allows, then EOF once the client ended. */
  private pump(c: Conn): void {
    while (c.queue.length > 0 && c.credit > 0) {
      const chunk = c.queue[0]!;
      const n = Math.min(chunk.length, c.credit, MAX_PAYLOAD);
      this.sendData(c.id, n === chunk.length ? chunk : chunk.subarray(0, n));
      if (n === chunk.length) c.queue.shift();
      else c.queue[0] = chunk.subarray(n);
      c.credit -= n;
    }
    if (c.queue.length > 0) c.sock.pause();
    else if (!c.ended) c.sock.resume();
    if (c.ended && c.queue.length === 0 && !c.eofSent) {
      c.eofSent = true;
      this.send(encodeFrame(FrameType.eof, c.id));
    }
  }

  private onChannelData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      if (!(e instanceof MuxStreamError)) throw e;
      this.options.log?.(`docker port: ${e.message}; resynchronising`);
      this.dropAll();
      this.send(helloFrame());
      return;
    }
    for (const f of frames) this.onFrame(f);
  }

  private onFrame(f: Frame): void {
    if (f.type === FrameType.hello) {
      this.dropAll();
      this.send(helloAckFrame());
      this.onSynced?.();
      return;
    }
    if (f.type === FrameType.helloAck) {
      this.onSynced?.();
      return;
    }
    const c = this.conns.get(f.id);
    if (!c) return;
    switch (f.type) {
      case FrameType.data:
        if (f.payload.length > c.granted) {
          this.options.log?.(`docker port: connection ${c.id} sent beyond its credit; closing it`);
          this.closeConn(c);
          return;
        }
        c.granted -= f.payload.length;
        c.sock.write(f.payload, () => {
          c.consumed += f.payload.length;
          if (c.consumed >= GRANT_BATCH) this.grant(c);
        });
        return;
      case FrameType.eof:
        c.sock.end();
        return;
      case FrameType.close:
        this.conns.delete(c.id);
        c.sock.destroy();
        return;
      case FrameType.window:
        if (f.payload.length !== 4) return;
        c.credit += f.payload.readUInt32BE(0);
        this.pump(c);
        return;
      default:
    }
  }

  private grant(c: Conn): void {
    if (c.consumed === 0 || !this.conns.has(c.id)) return;
    this.send(windowFrame(c.id, c.consumed));
    c.granted += c.consumed;
    c.consumed = 0;
  }

  private closeConn(c: Conn): void {
    if (this.conns.delete(c.id)) this.send(encodeFrame(FrameType.close, c.id));
    c.sock.destroy();
  }

  /** Forgets every connection (the guest forgot them, or the port is gone). */
  private dropAll(): void {
    const all = [...this.conns.values()];
    this.conns.clear();
    for (const c of all) c.sock.destroy();
  }

  private onChannelLost(): void {
    this.channel = null;
    this.dropAll();
    if (this.state !== 'running') return;
    this.options.log?.('the Docker port connection dropped; reconnecting');
    this.setState('restarting');
    void this.reconnect(this.lifetime.signal);
  }

  private async reconnect(lifetime: AbortSignal): Promise<void> {
    while (this.state === 'restarting' && !lifetime.aborted) {
      const now = Date.now();
      this.restarts = this.restarts.filter((t) => now - t < 60_000);
      if (this.restarts.length >= 5) {
        this.setState('failed', 'the Docker port connection dropped 5 times within 60 s');
        return;
      }
      this.restarts.push(now);
      await sleep(250 * 2 ** (this.restarts.length - 1), undefined, { signal: lifetime }).catch(
        () => undefined,
      );
      if (this.state !== 'restarting') return;
      try {
        await this.connect(Date.now() + 10_000, lifetime);
        this.setState('running');
        return;
      } catch (e) {
        this.options.log?.(`reconnecting the Docker port failed: ${(e as Error).message}`);
      }
    }
  }
}

import { chmod, mkdir, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { VmState } from '../../shared/types.js';

/**
 * - `closed`: no docker.sock (stopped by the user, or failed): clients get "connection refused".
 * - `hold`: docker.sock accepts and keeps clients waiting (the VM is starting, stopping or asleep).
 * - `pass`: every client is passed through to the engine socket.
 */
export type GateMode = 'closed' | 'hold' | 'pass';

/** The gate's mode for each VM state. */
export const GATE_MODE: Readonly<Record<VmState, GateMode>> = {
  stopped: 'closed',
  error: 'closed',
  starting: 'hold',
  stopping: 'hold',
  sleeping: 'hold',
  running: 'pass',
};

export interface SocketGateOptions {
  /** The public docker.sock. */
  readonly socket: string;
  /** Where the docker.sock transport serves the engine. */
  readonly engineSocket: string;
  readonly log: (line: string) => void;
  /** A client kept waiting longer than this is disconnected, ms (default 5 min). */
  readonly holdTimeoutMs?: number;
  /** How long to retry the engine socket in `pass` mode (a transport reconnecting), ms (default 15 s). */
  readonly engineRetryMs?: number;
}

interface Held {
  readonly sock: net.Socket;
  readonly timer: NodeJS.Timeout;
  /** What the client sent while it waited. */
  readonly buffered: Buffer[];
  bytes: number;
}

/** A waiting client may send this much before it is served (a request, not an upload). */
const MAX_HELD_BYTES = 1024 * 1024;

/**
 * The daemon's docker.sock: it stays open while the VM sleeps or boots, keeps clients waiting
 * instead of refusing them, wakes the VM ({@link onDemand}) and passes every client through to the
 * engine once it runs. It also counts the clients, for the idle rule. The socket is 0600 in the
 * 0700 run directory.
 */
export class SocketGate {
  private modeValue: GateMode = 'closed';
  private server: net.Server | null = null;
  private readonly held = new Set<Held>();
  private readonly open = new Set<net.Socket>();
  private lastClientAt = 0;
  private demandListener: (() => void) | null = null;
  private modeChange: Promise<void> = Promise.resolve();

  constructor(private readonly o: SocketGateOptions) {}

  get mode(): GateMode {
    return this.modeValue;
  }

  /** Client connections open now (waiting or passed through). */
  get clients(): number {
    return this.open.size;
  }

  /** `Date.now()` when a client was last connected (now while one is); 0 if none ever was. */
  get lastClientSeen(): number {
    return this.open.size > 0 ? Date.now() : this.lastClientAt;
  }

  /** Clients kept waiting now. */
  get waiting(): number {
    return this.held.size;
  }

  /** Called when a client arrives while the gate holds (e.g. to wake a sleeping VM). */
  onDemand(listener: () => void): void {
    this.demandListener = listener;
  }

  /** Follows the VM state (see {@link GATE_MODE}). Serialized; idempotent. */
  follow(state: VmState): Promise<void> {
    return this.setMode(GATE_MODE[state]);
  }

  /** The engine answers while the VM is still starting: pass waiting clients through now. */
  engineReady(): Promise<void> {
    return this.modeValue === 'hold' ? this.setMode('pass') : Promise.resolve();
  }

  setMode(mode: GateMode): Promise<void> {
    this.modeChange = this.modeChange
      .then(() => this.apply(mode))
      .catch((e: unknown) => {
        this.o.log(`docker.sock: ${(e as Error).message}`);
      });
    return this.modeChange;
  }

  private async apply(mode: GateMode): Promise<void> {
    if (mode === this.modeValue) return;
    this.modeValue = mode;
    if (mode === 'closed') {
      for (const h of [...this.held]) this.drop(h);
      await this.close();
      return;
    }
    await this.listen();
    if (mode === 'pass') for (const h of [...this.held]) this.pass(h);
  }

  private async listen(): Promise<void> {
    if (this.server) return;
    const dir = path.dirname(this.o.socket);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    await rm(this.o.socket, { force: true });
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.socket, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await chmod(this.o.socket, 0o600);
    this.server = server;
  }

  /** Stops listening and removes the socket; clients already passed through stay connected. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
    await rm(this.o.socket, { force: true });
  }

  private accept(sock: net.Socket): void {
    this.open.add(sock);
    this.lastClientAt = Date.now();
    sock.on('error', () => undefined);
    sock.once('close', () => {
      this.open.delete(sock);
      this.lastClientAt = Date.now();
    });
    if (this.modeValue === 'pass') {
      void this.connectEngine(sock);
      return;
    }
    if (this.modeValue !== 'hold') {
      sock.destroy();
      return;
    }
    const timer = setTimeout(() => {
      this.o.log('docker.sock: a client waited too long for the VM; disconnected it');
      this.drop(h);
    }, this.o.holdTimeoutMs ?? 300_000);
    const h: Held = { sock, timer, buffered: [], bytes: 0 };
    this.held.add(h);
    // Read while waiting, so a client that gives up is noticed: an HTTP client that ends its side
    // before any answer (or goes away) has given up, and is forgotten at once.
    sock.on('data', (d: Buffer) => {
      h.buffered.push(d);
      h.bytes += d.length;
      if (h.bytes > MAX_HELD_BYTES) this.drop(h);
    });
    sock.once('end', () => this.held.has(h) && this.drop(h));
    sock.once('close', () => {
      clearTimeout(timer);
      this.held.delete(h);
    });
    sock.resume();
    this.demandListener?.();
  }

  private drop(h: Held): void {
    clearTimeout(h.timer);
    this.held.delete(h);
    h.sock.destroy();
  }

  private pass(h: Held): void {
    clearTimeout(h.timer);
    this.held.delete(h);
    h.sock.pause();
    h.sock.removeAllListeners('data');
    h.sock.removeAllListeners('end');
    if (!h.sock.destroyed) void this.connectEngine(h.sock, h.buffered);
  }

  /** Pipes `client` to the engine socket both ways, half-close included; `first` goes ahead. */
  private async connectEngine(client: net.Socket, first: readonly Buffer[] = []): Promise<void> {
    const deadline = Date.now() + (this.o.engineRetryMs ?? 15_000);
    for (;;) {
      if (client.destroyed) return;
      const up = await new Promise<net.Socket | null>((resolve) => {
        const s = net.connect({ path: this.o.engineSocket, allowHalfOpen: true });
        s.once('connect', () => resolve(s));
        s.once('error', () => resolve(null));
      });
      if (up) {
        // Each side's end is passed on as a half close (pipe); an error or reset ends both.
        up.on('error', () => client.destroy());
        client.on('error', () => up.destroy());
        up.once('close', (hadError) => hadError && client.destroy());
        client.once('close', (hadError) => hadError && up.destroy());
        for (const chunk of first) up.write(chunk);
        client.pipe(up);
        up.pipe(client);
        client.resume();
        return;
      }
      if (Date.now() > deadline || this.modeValue === 'closed') {
        client.destroy();
        return;
      }
      await sleep(200);
    }
  }
}

import { EventEmitter } from 'node:events';
import net from 'node:net';

/** An asynchronous QMP event, e.g. `SHUTDOWN`, `POWERDOWN`, `STOP`. */
export interface QmpEvent {
  readonly event: string;
  readonly data?: Record<string, unknown>;
  readonly timestamp?: { readonly seconds: number; readonly microseconds: number };
}

/** `query-status` reply. */
export interface QmpStatus {
  /** e.g. `running`, `paused`, `shutdown`, `prelaunch`. */
  readonly status: string;
  readonly running: boolean;
}

/** A command QEMU answered with an error (or an HMP command whose output is an error). */
export class QmpError extends Error {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    desc: string,
  ) {
    super(`QMP ${command}: ${desc}`);
    this.name = 'QmpError';
  }
}

interface Pending {
  readonly command: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
  readonly timer: NodeJS.Timeout;
}

/** Default milliseconds to wait for a connection, the greeting or a command reply. */
export const QMP_TIMEOUT_MS = 5000;

/**
 * A QMP client on QEMU's unix socket: reads the greeting, negotiates capabilities, correlates replies
 * by id and emits every asynchronous event as `'event'` (and by name, e.g. `'SHUTDOWN'`). Emits
 * `'close'` once when the connection ends. One instance per connection; not reconnecting.
 */
export class QmpClient extends EventEmitter {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private buffer = '';
  private closedFlag = false;
  /** Resolves when the connection has ended. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: net.Socket) {
    super();
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.closedFlag = true;
        for (const [id, p] of this.pending) {
          clearTimeout(p.timer);
          p.reject(new Error(`QMP ${p.command}: connection closed`));
          this.pending.delete(id);
        }
        this.emit('close');
        resolve();
      });
    });
    socket.on('error', () => undefined);
  }

  /**
   * Connects to `socketPath`, waits for the greeting and sends `qmp_capabilities`.
   * Rejects when the socket is absent, QEMU does not answer within `timeoutMs`, or `signal` aborts.
   */
  static async connect(
    socketPath: string,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<QmpClient> {
    const timeoutMs = opts.timeoutMs ?? QMP_TIMEOUT_MS;
    if (opts.signal?.aborted) throw new Error(`QMP ${socketPath}: cancelled`);
    const socket = net.createConnection(socketPath);
    const client = new QmpClient(socket);
    let cleanup = (): void => undefined;
    const greeting = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`QMP ${socketPath}: no greeting in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onAbort = () => reject(new Error(`QMP ${socketPath}: cancelled`));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      cleanup = () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      socket.once('error', (e) => reject(new Error(`QMP ${socketPath}: ${e.message}`)));
      socket.once('close', () => reject(new Error(`QMP ${socketPath}: closed before the greeting`)));
      client.once('greeting', () => resolve());
    });
    socket.on('data', (chunk: Buffer) => client.onData(chunk));
    try {
      await greeting;
      await client.execute('qmp_capabilities', undefined, timeoutMs);
    } catch (e) {
      client.close();
      throw e;
    } finally {
      cleanup();
    }
    return client;
  }

  private onData(chunk: Buffer): void {
    this.buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line !== '') this.onMessage(line);
    }
  }

  private onMessage(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if ('QMP' in msg) {
      this.emit('greeting', msg['QMP']);
      return;
    }
    if (typeof msg['event'] === 'string') {
      const ev = msg as unknown as QmpEvent;
      this.emit('event', ev);
      this.emit(ev.event, ev);
      return;
    }
    const p = typeof msg['id'] === 'number' ? this.pending.get(msg['id']) : undefined;
    if (!p) return;
    this.pending.delete(msg['id'] as number);
    clearTimeout(p.timer);
    const error = msg['error'] as { class?: string; desc?: string } | undefined;
    if (error) p.reject(new QmpError(p.command, error.class ?? 'GenericError', error.desc ?? 'failed'));
    else p.resolve(msg['return']);
  }

  /** Runs a QMP command and resolves with its `return` value; rejects with {@link QmpError}, on timeout or on close. */
  execute<T = unknown>(
    command: string,
    args?: Record<string, unknown>,
    timeoutMs: number = QMP_TIMEOUT_MS,
  ): Promise<T> {
    if (this.closedFlag) return Promise.reject(new Error(`QMP ${command}: connection closed`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`QMP ${command}: no reply in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { command, resolve: resolve, reject, timer });
      this.socket.write(
        `${JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id })}\n`,
      );
    });
  }

  /** True once the connection has ended. */
  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** Ends the connection. Idempotent. */
  close(): void {
    this.socket.destroy();
  }

  /** `query-status`. */
  queryStatus(): Promise<QmpStatus> {
    return this.execute<QmpStatus>('query-status');
  }

  /** Presses the ACPI power button (`system_powerdown`); the guest decides when to power off. */
  async systemPowerdown(): Promise<void> {
    await this.execute('system_powerdown');
  }

  /** Makes QEMU exit at once (no guest shutdown). Resolves also when QEMU closes the socket first. */
  async quit(): Promise<void> {
    await this.execute('quit').catch((e: unknown) => {
      if (!this.closedFlag) throw e;
    });
  }

  /**
   * Runs an HMP command and returns its trimmed output. QEMU reports HMP failures as output text, so
   * output not matching `ok` (default: empty output) rejects with {@link QmpError}.
   */
  async hmp(commandLine: string, ok: RegExp = /^$/): Promise<string> {
    const out = await this.execute<string>('human-monitor-command', { 'command-line': commandLine });
    const text = (out ?? '').trim();
    if (!ok.test(text)) throw new QmpError(commandLine, 'HmpError', text);
    return text;
  }

  /** Forwards 127.0.0.1:`hostPort` to guest `guestPort` on netdev `net0`. Rejects when the host port is taken. */
  async hostfwdAdd(hostPort: number, guestPort: number): Promise<void> {
    await this.hmp(`hostfwd_add net0 tcp:127.0.0.1:${hostPort}-:${guestPort}`);
  }

  /** Removes the forward of 127.0.0.1:`hostPort`. Rejects when there is none. */
  async hostfwdRemove(hostPort: number): Promise<void> {
    await this.hmp(`hostfwd_remove net0 tcp:127.0.0.1:${hostPort}`, /^$|removed$/);
  }
}

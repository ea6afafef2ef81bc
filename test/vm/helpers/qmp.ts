import net from 'node:net';

/** A minimal QMP client: greeting, `qmp_capabilities`, then one command at a time. */
export class QmpClient {
  private buffer = '';
  private waiters: ((msg: Record<string, unknown>) => void)[] = [];
  /** Asynchronous events (`SHUTDOWN`, `POWERDOWN`, ...) in arrival order. */
  readonly events: string[] = [];

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => undefined);
  }

  /** Connects to QEMU's QMP unix socket and negotiates capabilities. */
  static async connect(socketPath: string, timeoutMs = 10_000): Promise<QmpClient> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.createConnection(socketPath);
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`QMP connect to ${socketPath} timed out`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const client = new QmpClient(socket);
    const greeting = await client.next();
    if (!('QMP' in greeting)) throw new Error(`unexpected QMP greeting: ${JSON.stringify(greeting)}`);
    await client.execute('qmp_capabilities');
    return client;
  }

  /** Runs a command; resolves with its `return` value, rejects on an `error` reply. */
  async execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    this.socket.write(
      `${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`,
    );
    const reply = await this.next();
    if ('error' in reply) throw new Error(`QMP ${command}: ${JSON.stringify(reply.error)}`);
    return reply.return;
  }

  close(): void {
    this.socket.destroy();
  }

  /** The next reply or greeting; events are recorded and skipped. */
  private next(): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line) as Record<string, unknown>;
      if (typeof msg.event === 'string') {
        this.events.push(msg.event);
        continue;
      }
      this.waiters.shift()?.(msg);
    }
  }
}

import http from 'node:http';

/** The state names vfkit's `GET /vm/state` answers (REFERENCE.md 2.2), without the prefix. */
export type VfkitVmState =
  | 'Running'
  | 'Stopped'
  | 'Paused'
  | 'Error'
  | 'Starting'
  | 'Pausing'
  | 'Resuming'
  | 'Stopping'
  | 'Saving'
  | 'Restoring';

/** `gone`: nothing listens on the socket (vfkit has exited). */
export type RestAnswer<T> = T | 'gone';

const PREFIX = 'VirtualMachineState';
const GONE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE']);

/** An answer vfkit should not give (bad status, bad JSON); the message names the request. */
export class VfkitRestError extends Error {
  override readonly name = 'VfkitRestError';
}

/** Parses the body of `GET /vm/state`; throws VfkitRestError when it is not the documented shape. Pure. */
export function parseVmState(body: string): VfkitVmState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new VfkitRestError(`GET /vm/state answered invalid JSON: ${body.slice(0, 80)}`);
  }
  const state = (parsed as { state?: unknown } | null)?.state;
  if (typeof state !== 'string' || !state.startsWith(PREFIX)) {
    throw new VfkitRestError(`GET /vm/state answered no VirtualMachineState…: ${body.slice(0, 80)}`);
  }
  return state.slice(PREFIX.length) as VfkitVmState;
}

/**
 * vfkit's REST API on its `--restful-uri unix://…` socket. Every call resolves `gone` when nothing
 * listens (connection refused or no socket file: vfkit has exited), rejects with VfkitRestError on
 * an unexpected answer and with a timeout Error after `timeoutMs`.
 */
export class VfkitRest {
  constructor(
    readonly socket: string,
    private readonly timeoutMs = 3000,
  ) {}

  /** `GET /vm/state`. */
  async state(): Promise<RestAnswer<VfkitVmState>> {
    const r = await this.request('GET', '/vm/state');
    if (r === 'gone') return r;
    if (r.status !== 200) throw new VfkitRestError(`GET /vm/state answered HTTP ${r.status}`);
    return parseVmState(r.body);
  }

  /** `POST /vm/state {"state": …}`: `Stop` asks the guest to shut down, `HardStop` forces it off. */
  async setState(state: 'Stop' | 'HardStop' | 'Pause' | 'Resume'): Promise<RestAnswer<'ok'>> {
    const r = await this.request('POST', '/vm/state', JSON.stringify({ state }));
    if (r === 'gone') return r;
    if (r.status < 200 || r.status >= 300) {
      throw new VfkitRestError(`POST /vm/state ${state} answered HTTP ${r.status}: ${r.body.trim()}`);
    }
    return 'ok';
  }

  private request(
    method: string,
    path: string,
    body?: string,
  ): Promise<RestAnswer<{ status: number; body: string }>> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.socket,
          method,
          path,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`${method} ${path}: no answer within ${this.timeoutMs} ms`)),
      );
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code !== undefined && GONE_CODES.has(e.code)) resolve('gone');
        else reject(e);
      });
      req.end(body);
    });
  }
}

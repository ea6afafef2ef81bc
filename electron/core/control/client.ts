import http from 'node:http';

import type { DliteApi, InvokeMethod, PushMethod, Unsubscribe } from '../../shared/api.js';
import { EVENTS_PATH, INVOKE, PUSH } from '../../shared/contract.js';
import { err, isErrorDto, type Result } from '../../shared/errors.js';

export interface ControlClient extends DliteApi {
  /** Closes the event stream and stops reconnecting it. Idempotent. */
  close(): void;
}

export interface ControlClientOptions {
  /** First delay before re-opening a dropped event stream, ms (doubled per failure). Default 100. */
  readonly reconnectMinMs?: number;
  /** Longest delay between two attempts, ms. Default 5 000. */
  readonly reconnectMaxMs?: number;
  /**
   * Called before a reconnect attempt when nothing listens on the socket any more (the daemon
   * exited); e.g. starts a new daemon. Its failure is ignored: the next attempt calls it again.
   */
  readonly onUnreachable?: () => Promise<void>;
}

function unreachable(socketPath: string, e: NodeJS.ErrnoException): Result<never> {
  return err(
    'daemon-unreachable',
    `The Dlite daemon is not running (${e.code ?? e.message} on ${socketPath})`,
    {
      socketPath,
      ...(e.code ? { errno: e.code } : {}),
    },
  );
}

function request(socketPath: string, method: string, path: string, body?: unknown): Promise<Result<unknown>> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        socketPath,
        method,
        path,
        headers:
          payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            const parsed = JSON.parse(text) as { ok?: unknown; value?: unknown; error?: unknown };
            if (parsed.ok === true) resolve({ ok: true, value: parsed.value });
            else if (parsed.ok === false && isErrorDto(parsed.error)) {
              resolve({ ok: false, error: parsed.error });
            } else resolve(err('internal', `Unexpected answer from the Dlite daemon on ${path}`));
          } catch {
            resolve(err('internal', `The Dlite daemon answered ${path} with invalid JSON`));
          }
        });
        res.on('error', (e) => resolve(err('daemon-unreachable', `Lost the Dlite daemon: ${e.message}`)));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve(unreachable(socketPath, e)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

type Listener = (payload: unknown) => void;

/** Parses a server-sent-events byte stream into (event, data) pairs. */
export function createSseParser(onEvent: (event: string, data: string) => void): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk;
    let index: number;
    while ((index = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, index);
      buffer = buffer.slice(index + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) onEvent(event, data.join('\n'));
    }
  };
}

const EVENT_TO_METHOD = new Map<string, PushMethod>(
  (Object.keys(PUSH) as PushMethod[]).map((m) => [PUSH[m].event, m]),
);

/**
 * A {@link DliteApi} that talks to the Dlite daemon over its control socket. Subscriptions share
 * one event stream, opened with the first listener and closed with the last. When the stream drops
 * (the daemon exited or restarted) it is re-opened by itself with backoff, every listener staying
 * subscribed; the daemon sends its current state first on every (re)connection.
 */
export function createControlClient(socketPath: string, options: ControlClientOptions = {}): ControlClient {
  const { reconnectMinMs = 100, reconnectMaxMs = 5_000 } = options;
  const listeners = new Map<string, Set<Listener>>();
  let stream: http.ClientRequest | null = null;
  let retry: NodeJS.Timeout | null = null;
  let delay = reconnectMinMs;
  let closed = false;

  const total = (): number => [...listeners.values()].reduce((n, s) => n + s.size, 0);
  const dispatch = (event: string, data: string): void => {
    const method = EVENT_TO_METHOD.get(event);
    if (method === undefined) return;
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      return;
    }
    for (const l of [...(listeners.get(method) ?? [])]) l(payload);
  };

  const scheduleReconnect = (lastErrno: string | undefined): void => {
    if (closed || retry !== null || total() === 0) return;
    const wait = delay;
    delay = Math.min(delay * 2, reconnectMaxMs);
    retry = setTimeout(() => {
      retry = null;
      if (closed || total() === 0) return;
      const gone = lastErrno === 'ECONNREFUSED' || lastErrno === 'ENOENT';
      const before = gone && options.onUnreachable ? options.onUnreachable().catch(() => undefined) : null;
      void Promise.resolve(before).then(openStream);
    }, wait);
    retry.unref();
  };

  function openStream(): void {
    if (closed || stream !== null || total() === 0) return;
    const parse = createSseParser(dispatch);
    const req = http.get({ socketPath, path: EVENTS_PATH }, (res) => {
      delay = reconnectMinMs;
      res.setEncoding('utf8');
      res.on('data', parse);
      res.on('close', () => {
        if (stream === req) stream = null;
        scheduleReconnect(undefined);
      });
    });
    stream = req;
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (stream === req) stream = null;
      scheduleReconnect(e.code);
    });
  }

  const stopStream = (): void => {
    if (retry !== null) clearTimeout(retry);
    retry = null;
    const s = stream;
    stream = null;
    s?.destroy();
  };

  const api: Record<string, unknown> = {
    close: () => {
      closed = true;
      stopStream();
      listeners.clear();
    },
  };
  for (const method of Object.keys(INVOKE) as InvokeMethod[]) {
    const route = INVOKE[method];
    api[method] = (arg?: unknown) =>
      request(socketPath, route.method, route.path, route.method === 'POST' ? (arg ?? {}) : undefined);
  }
  for (const method of Object.keys(PUSH) as PushMethod[]) {
    api[method] = (listener: Listener): Unsubscribe => {
      const set = listeners.get(method) ?? new Set<Listener>();
      listeners.set(method, set);
      set.add(listener);
      closed = false;
      openStream();
      return () => {
        set.delete(listener);
        if (total() === 0) stopStream();
      };
    };
  }
  return api as unknown as ControlClient;
}

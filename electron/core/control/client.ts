import http from 'node:http';

import type { DliteApi, InvokeMethod, PushMethod, Unsubscribe } from '../../shared/api.js';
import { EVENTS_PATH, INVOKE, PUSH } from '../../shared/contract.js';
import { err, isErrorDto, type Result } from '../../shared/errors.js';

export interface ControlClient extends DliteApi {
  /** Closes the event stream, if one is open. */
  close(): void;
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
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve(
        err(
          'daemon-unreachable',
          `The Dlite daemon is not running (${e.code ?? e.message} on ${socketPath})`,
          {
            socketPath,
            errno: e.code ?? null,
          },
        ),
      ),
    );
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

/**
 * A {@link DliteApi} that talks to the process hosting the supervisor over its control socket.
 * Subscriptions share one SSE connection, opened on the first listener and closed with the last.
 */
export function createControlClient(socketPath: string): ControlClient {
  const listeners = new Map<string, Set<Listener>>();
  let stream: http.ClientRequest | null = null;

  const eventToMethod = new Map<string, PushMethod>(
    (Object.keys(PUSH) as PushMethod[]).map((m) => [PUSH[m].event, m]),
  );
  const openStream = (): void => {
    const parse = createSseParser((event, data) => {
      const method = eventToMethod.get(event);
      if (method === undefined) return;
      let payload: unknown;
      try {
        payload = JSON.parse(data);
      } catch {
        return;
      }
      for (const l of listeners.get(method) ?? []) l(payload);
    });
    stream = http.get({ socketPath, path: EVENTS_PATH }, (res) => {
      res.setEncoding('utf8');
      res.on('data', parse);
    });
    stream.on('error', () => {
      stream = null;
    });
  };
  const total = (): number => [...listeners.values()].reduce((n, s) => n + s.size, 0);

  const api: Record<string, unknown> = {
    close: () => {
      stream?.destroy();
      stream = null;
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
      if (stream === null) openStream();
      return () => {
        set.delete(listener);
        if (total() === 0) {
          stream?.destroy();
          stream = null;
        }
      };
    };
  }
  return api as unknown as ControlClient;
}

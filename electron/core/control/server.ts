import { chmod, mkdir, rm } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

import type { DliteApi, InvokeMethod, PushMethod } from '../../shared/api.js';
import { EVENTS_PATH, INVOKE, PUSH } from '../../shared/contract.js';
import { err, type Result } from '../../shared/errors.js';

/** Largest request body the control socket accepts. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface ControlServer {
  readonly socketPath: string;
  /** Client connections open now (an event stream counts while it is open). */
  connections(): number;
  /** Stops serving and drops every connection. Idempotent. */
  close(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: Result<unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Route table built from the contract: `METHOD /path` → API method. */
const ROUTES = new Map<string, InvokeMethod>(
  (Object.keys(INVOKE) as InvokeMethod[]).map((m) => [`${INVOKE[m].method} ${INVOKE[m].path}`, m]),
);

async function handleInvoke(
  api: DliteApi,
  method: InvokeMethod,
  req: http.IncomingMessage,
): Promise<Result<unknown>> {
  let arg: unknown;
  if (req.method === 'POST') {
    const text = await readBody(req);
    if (text.trim() !== '') {
      try {
        arg = JSON.parse(text);
      } catch {
        return err('invalid-argument', `Request body of ${INVOKE[method].path} is not valid JSON`);
      }
    }
  }
  const fn = api[method] as (a?: unknown) => Promise<Result<unknown>>;
  return fn.call(api, arg);
}

/**
 * The push events as server-sent events. The current state is sent first, so a client that
 * (re)connects sees it at once without asking.
 */
function serveEvents(api: DliteApi, req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.write(': dlite events\n\n');
  const send = (method: PushMethod, payload: unknown): void => {
    if (!res.writableEnded) res.write(`event: ${PUSH[method].event}\ndata: ${JSON.stringify(payload)}\n\n`);
  };
  const offs = (Object.keys(PUSH) as PushMethod[]).map((method) =>
    (api[method] as (l: (p: unknown) => void) => () => void).call(api, (payload: unknown) =>
      send(method, payload),
    ),
  );
  void api.status().then(
    (r) => {
      if (r.ok) send('onState', r.value);
    },
    () => undefined,
  );
  req.socket.setKeepAlive(true);
  res.on('close', () => offs.forEach((off) => off()));
}

/**
 * Serves `api` over HTTP+JSON on a unix socket (mode 0600, in a 0700 folder).
 * Invoke routes come from the contract; `GET /v1/events` streams push events as SSE.
 * The caller MUST have made sure no other host owns the socket (see the host lock).
 */
export async function startControlServer(api: DliteApi, socketPath: string): Promise<ControlServer> {
  await mkdir(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  await rm(socketPath, { force: true });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://dlite');
    if (req.method === 'GET' && url.pathname === EVENTS_PATH) {
      serveEvents(api, req, res);
      return;
    }
    const method = ROUTES.get(`${req.method ?? ''} ${url.pathname}`);
    if (method === undefined) {
      sendJson(res, 404, err('invalid-argument', `No route ${req.method ?? ''} ${url.pathname}`));
      return;
    }
    handleInvoke(api, method, req).then(
      (result) => sendJson(res, 200, result),
      (e: unknown) => sendJson(res, 500, err('internal', e instanceof Error ? e.message : String(e))),
    );
  });
  let open = 0;
  server.on('connection', (socket) => {
    open += 1;
    socket.once('close', () => (open -= 1));
  });
  // Long operations (start) can take minutes: no request timeout on a local socket.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
  } finally {
    process.umask(previous);
  }
  await chmod(socketPath, 0o600);
  return {
    socketPath,
    connections: () => open,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

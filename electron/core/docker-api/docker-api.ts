import http from 'node:http';

import { DliteError } from '../dlite-error.js';
import { JsonLinesParser } from './json-lines.js';

/** One published or exposed port of a container, as `GET /containers/json` lists it. */
export interface ContainerPort {
  readonly IP?: string;
  readonly PrivatePort: number;
  readonly PublicPort?: number;
  readonly Type: string;
}

export interface ContainerSummary {
  readonly Id: string;
  readonly Names?: readonly string[];
  readonly Image?: string;
  readonly State?: string;
  readonly Ports?: readonly ContainerPort[];
}

/** One engine event (`GET /events`). */
export interface DockerEvent {
  readonly Type: string;
  readonly Action: string;
  readonly Actor?: { readonly ID?: string; readonly Attributes?: Record<string, string> };
  readonly time?: number;
}

export interface RequestOptions {
  readonly body?: unknown;
  /** Whole-request budget in ms (default 10 000). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

function unreachable(socketPath: string, e: unknown): DliteError {
  const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  return new DliteError('docker-unreachable', `Docker is not answering on ${socketPath} (${code})`, {
    socketPath,
  });
}

/**
 * A minimal Docker Engine API client over a unix socket (Node http, no dependency). Paths are
 * unversioned, so the engine answers with its own API version.
 */
export class DockerApi {
  constructor(readonly socketPath: string) {}

  /** Sends one request; resolves with the status and body text, rejects with `DliteError`. */
  request(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<{ status: number; body: string }> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.socketPath,
          method,
          path,
          agent: false,
          timeout: options.timeoutMs ?? 10_000,
          headers: payload === undefined ? {} : { 'content-type': 'application/json' },
          ...(options.signal ? { signal: options.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', (e) => reject(unreachable(this.socketPath, e)));
        },
      );
      req.on('timeout', () => {
        req.destroy();
        reject(
          new DliteError(
            'timeout',
            `Docker did not answer ${method} ${path} within ${options.timeoutMs ?? 10_000} ms`,
          ),
        );
      });
      req.on('error', (e) => {
        if (options.signal?.aborted) reject(new DliteError('cancelled', `Cancelled: ${method} ${path}`));
        else reject(unreachable(this.socketPath, e));
      });
      req.end(payload);
    });
  }

  /** Like {@link request}, but requires a 2xx answer and parses its JSON body. */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { status, body } = await this.request(method, path, options);
    if (status < 200 || status > 299) {
      let message = body.trim();
      try {
        message = (JSON.parse(body) as { message?: string }).message ?? message;
      } catch {
        // not JSON: keep the text
      }
      throw new DliteError('internal', `Docker answered ${status} to ${method} ${path}: ${message}`, {
        status,
      });
    }
    return JSON.parse(body) as T;
  }

  /** `GET /_ping`: resolves with the body (`OK` when the engine is up). */
  async ping(options: RequestOptions = {}): Promise<string> {
    const { status, body } = await this.request('GET', '/_ping', { timeoutMs: 5_000, ...options });
    if (status !== 200) {
      throw new DliteError('docker-unreachable', `Docker answered ${status} to /_ping on ${this.socketPath}`);
    }
    return body;
  }

  version(
    options?: RequestOptions,
  ): Promise<{ Version: string; ApiVersion: string; Os?: string; Arch?: string }> {
    return this.json('GET', '/version', options);
  }

  info(options?: RequestOptions): Promise<{ RegistryConfig?: { Mirrors?: string[] | null }; Name?: string }> {
    return this.json('GET', '/info', options);
  }

  /** Running containers (all of them when `all`). */
  listContainers(options: RequestOptions & { all?: boolean } = {}): Promise<ContainerSummary[]> {
    return this.json('GET', `/containers/json${options.all ? '?all=1' : ''}`, options);
  }

  /**
   * Streams `GET /events?filters=…`, calling `onEvent` for each event as it arrives. `onOpen` runs
   * once the engine accepted the subscription (events after it are not missed). Resolves when the
   * engine closes the stream or `signal` aborts; rejects with `DliteError` if the stream cannot be
   * opened or breaks.
   */
  events(
    filters: Record<string, readonly string[]>,
    onEvent: (event: DockerEvent) => void,
    signal: AbortSignal,
    onOpen?: () => void,
  ): Promise<void> {
    const path = `/events?filters=${encodeURIComponent(JSON.stringify(filters))}`;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return resolve();
      const parser = new JsonLinesParser();
      const emit = (values: unknown[]): void => {
        for (const v of values) if (v !== null && typeof v === 'object') onEvent(v as DockerEvent);
      };
      const req = http.request({ socketPath: this.socketPath, method: 'GET', path, agent: false }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new DliteError('docker-unreachable', `Docker answered ${res.statusCode} to GET /events`));
          return;
        }
        onOpen?.();
        res.on('data', (c: Buffer) => emit(parser.push(c)));
        res.on('end', () => {
          emit(parser.end());
          resolve();
        });
        res.on('error', (e) => (signal.aborted ? resolve() : reject(unreachable(this.socketPath, e))));
        // After 'end' this is a no-op; without it the engine or the forward went away mid-stream.
        res.on('close', () =>
          signal.aborted
            ? resolve()
            : reject(
                new DliteError('docker-unreachable', `The Docker event stream on ${this.socketPath} broke`),
              ),
        );
      });
      const onAbort = (): void => {
        req.destroy();
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('close', () => signal.removeEventListener('abort', onAbort));
      req.on('error', (e) => (signal.aborted ? resolve() : reject(unreachable(this.socketPath, e))));
      req.end();
    });
  }
}

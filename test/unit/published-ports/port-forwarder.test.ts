import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { type ContainerSummary, DockerApi } from '../../../electron/core/docker-api/docker-api.js';
import { PublishedPortForwarder } from '../../../electron/core/published-ports/port-forwarder.js';

// A stand-in for the guest engine's HTTP API on a unix socket (the engine itself only runs in the
// VM; test/vm/host-side.test.ts drives the real one). It serves /containers/json and /events.
class FakeEngine {
  containers: ContainerSummary[] = [];
  readonly streams = new Set<http.ServerResponse>();
  eventQueries: string[] = [];
  readonly server = http.createServer((req, res) => {
    if (req.url?.startsWith('/containers/json')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(this.containers));
    } else if (req.url?.startsWith('/events')) {
      this.eventQueries.push(decodeURIComponent(req.url));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      this.streams.add(res);
      res.on('close', () => this.streams.delete(res));
    } else {
      res.writeHead(404).end();
    }
  });

  emit(action: string): void {
    for (const s of this.streams) {
      s.write(`${JSON.stringify({ Type: 'container', Action: action, Actor: { ID: 'c1' } })}\n`);
    }
  }

  dropStreams(): void {
    for (const s of this.streams) s.destroy();
  }
}

const published = (port: number): ContainerSummary => ({
  Id: `c${port}`,
  Ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: port, Type: 'tcp' }],
});

let dir: string;
let engine: FakeEngine;
let socketPath: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-ports-'));
  socketPath = path.join(dir, 'docker.sock');
  engine = new FakeEngine();
  await new Promise<void>((resolve) => engine.server.listen(socketPath, resolve));
});
afterEach(async () => {
  engine.dropStreams();
  await new Promise<void>((resolve) => engine.server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

function setup(taken: Set<number> = new Set()) {
  const forwards = new Map<number, number>();
  const log = vi.fn<(line: string) => void>();
  const pf = new PublishedPortForwarder({
    api: new DockerApi(socketPath),
    forward: (h, g) =>
      taken.has(h) ? Promise.reject(new Error(`port ${h} busy`)) : Promise.resolve(void forwards.set(h, g)),
    unforward: (h) => Promise.resolve(void forwards.delete(h)),
    log,
    reconnectDelayMs: 50,
    debounceMs: 10,
  });
  return { pf, forwards, log };
}

describe('PublishedPortForwarder', () => {
  it('forwards what is published at start, follows events and subscribes to the right ones', async () => {
    engine.containers = [published(8080)];
    const { pf, forwards } = setup();
    await pf.start();
    expect([...forwards]).toEqual([[8080, 8080]]);
    expect(engine.eventQueries[0]).toContain('"type":["container","network"]');

    engine.containers = [published(8080), published(9090)];
    engine.emit('start');
    await vi.waitFor(() => expect([...forwards.keys()].sort()).toEqual([8080, 9090]));

    engine.containers = [published(9090)];
    engine.emit('die');
    await vi.waitFor(() => expect([...forwards.keys()]).toEqual([9090]));
    expect(pf.forwarded).toEqual(new Map([[9090, 9090]]));

    await pf.stop();
    expect(forwards.size).toBe(0);
  });

  it('logs a taken host port once, keeps going, and retries it on the next change', async () => {
    const taken = new Set([8080]);
    engine.containers = [published(8080), published(9090)];
    const { pf, forwards, log } = setup(taken);
    await pf.start();
    expect([...forwards.keys()]).toEqual([9090]);
    expect(log.mock.calls.filter(([l]) => l.includes('127.0.0.1:8080'))).toHaveLength(1);

    engine.emit('start');
    await pf.reconcile();
    expect(log.mock.calls.filter(([l]) => l.includes('127.0.0.1:8080'))).toHaveLength(1);

    taken.clear();
    engine.emit('start');
    await vi.waitFor(() => expect(forwards.has(8080)).toBe(true));
    await pf.stop({ removeForwards: false });
    expect(forwards.size).toBe(2);
  });

  it('re-subscribes after the event stream drops and catches up on missed changes', async () => {
    engine.containers = [];
    const { pf, forwards } = setup();
    await pf.start();
    expect(forwards.size).toBe(0);

    engine.dropStreams();
    engine.containers = [published(7070)]; // changed while nobody was listening
    await vi.waitFor(() => expect([...forwards.keys()]).toEqual([7070]));
    await vi.waitFor(() => expect(engine.eventQueries.length).toBeGreaterThanOrEqual(2));
    await pf.stop();
  });
});

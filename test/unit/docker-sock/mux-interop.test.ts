import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { MuxForwarder } from '../../../electron/core/docker-sock/mux-forward.js';
import { type DlitePaths, resolvePaths } from '../../../electron/core/paths.js';

// The two halves of the Docker socket transport together: MuxForwarder (host) and the compiled
// dlite-mux agent (guest), joined by a relay that plays QEMU's role (host socket ↔ port), with a
// real HTTP server as the engine. Both are tested alone elsewhere; this pins that they agree.
const SOURCE = path.resolve(import.meta.dirname, '../../../build/os/mux/dlite-mux.c');
let dir: string;
let paths: DlitePaths;
let agent: ChildProcess;
let relay: net.Server;
let engine: http.Server;
let fwd: MuxForwarder;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-interop-'));
  paths = resolvePaths({ DLITE_HOME: dir });
  await mkdir(paths.runDir, { mode: 0o700 });
  const bin = path.join(dir, 'dlite-mux');
  await promisify(execFile)('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', bin, SOURCE]);

  const engineSock = path.join(dir, 'engine.sock');
  engine = http.createServer((req, res) => {
    if (req.url === '/_ping') return void res.end('OK');
    const hash = createHash('sha256');
    let n = 0;
    req.on('data', (b: Buffer) => {
      hash.update(b);
      n += b.length;
    });
    req.on('end', () => res.end(JSON.stringify({ n, sha: hash.digest('hex'), back: 4 * 1024 * 1024 })));
  });
  await new Promise<void>((r) => engine.listen(engineSock, r));

  // QEMU's part: the agent's end of the "port" and the host's end, spliced.
  const portSock = path.join(dir, 'port.sock');
  let guestEnd: net.Socket | null = null;
  let hostEnd: net.Socket | null = null;
  const splice = (): void => {
    if (guestEnd && hostEnd) {
      guestEnd.pipe(hostEnd);
      hostEnd.pipe(guestEnd);
    }
  };
  const port = net.createServer((s) => {
    guestEnd = s;
    splice();
  });
  await new Promise<void>((r) => port.listen(portSock, r));
  relay = net.createServer((s) => {
    hostEnd = s;
    splice();
  });
  await new Promise<void>((r) => relay.listen(paths.dockerPortSocket, r));
  agent = spawn(bin, ['--port', portSock, '--target', engineSock], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  fwd = new MuxForwarder({ channel: paths.dockerPortSocket, paths, handshakeTimeoutMs: 5_000 });
  await fwd.start(10_000);
}, 60_000);

afterAll(async () => {
  await fwd?.stop();
  agent?.kill();
  relay?.close();
  engine?.close();
  await rm(dir, { recursive: true, force: true });
});

function post(body: Buffer): Promise<{ n: number; sha: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: paths.dockerSocket, method: 'POST', path: '/load' }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve(JSON.parse(text) as { n: number; sha: string }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('MuxForwarder with the real dlite-mux agent', () => {
  it('answers /_ping through both halves', async () => {
    expect(await fwd.api.ping()).toBe('OK');
  });

  it('carries 24 MiB request bodies on 6 concurrent connections intact', async () => {
    const bodies = Array.from({ length: 6 }, () => randomBytes(4 * 1024 * 1024));
    const results = await Promise.all(bodies.map((b) => post(b)));
    results.forEach((r, i) => {
      expect(r.n).toBe(bodies[i]!.length);
      expect(r.sha).toBe(createHash('sha256').update(bodies[i]!).digest('hex'));
    });
  });

  it('keeps a half-closed stream open for the answer', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ path: paths.dockerSocket, allowHalfOpen: true }, () =>
        s.end('GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n'),
      );
      let text = '';
      s.on('data', (d: Buffer) => (text += d.toString()));
      s.on('end', () => resolve(text));
      s.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.[01] 200 OK[\s\S]*\r\n\r\nOK$/);
  });
});

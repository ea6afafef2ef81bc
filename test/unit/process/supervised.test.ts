import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readFileTail, spawnDetached, spawnSupervised } from '../../../electron/core/process/supervised.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-proc-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('spawnSupervised', () => {
  it('resolves exited with code and stderr tail', async () => {
    const child = await spawnSupervised('sh', ['-c', 'echo a >&2; echo b >&2; exit 4'], { tailLines: 1 });
    expect(child.pid).toBeGreaterThan(0);
    const exit = await child.exited;
    expect(exit).toEqual({ code: 4, signal: null, stderrTail: ['b'] });
  });

  it('streams stdout and is killable', async () => {
    let out = '';
    const child = await spawnSupervised('sh', ['-c', 'echo ready; exec sleep 30'], {
      onStdout: (c) => (out += c),
    });
    await expect.poll(() => out, { timeout: 5000 }).toBe('ready\n');
    child.kill();
    const exit = await child.exited;
    expect(exit.signal).toBe('SIGTERM');
    child.kill();
  });

  it('is killed on abort', async () => {
    const ac = new AbortController();
    const child = await spawnSupervised('sleep', ['30'], { signal: ac.signal });
    ac.abort();
    const exit = await child.exited;
    expect(exit.code).toBeNull();
  });

  it('rejects when the binary is missing', async () => {
    await expect(spawnSupervised('/nonexistent/dlite-x', [])).rejects.toThrow(/could not start/);
  });
});

describe('spawnDetached', () => {
  it('runs in its own process group with output in the log file', async () => {
    const log = path.join(dir, 'detached.log');
    const child = await spawnDetached('sh', ['-c', 'echo hello; echo oops >&2; ps -o pgid= -p $$; exit 2'], {
      logPath: log,
    });
    const exit = await child.exited;
    expect(exit.code).toBe(2);
    expect(exit.stderrTail.slice(0, 2)).toEqual(['hello', 'oops']);
    const text = await readFile(log, 'utf8');
    expect(Number(text.trim().split('\n').at(-1))).toBe(child.pid);
  });

  it('notices a SIGKILL', async () => {
    const child = await spawnDetached('sleep', ['30'], { logPath: path.join(dir, 'k.log') });
    process.kill(child.pid, 'SIGKILL');
    const exit = await child.exited;
    expect(exit.signal).toBe('SIGKILL');
  });

  it('rejects when the binary is missing', async () => {
    await expect(
      spawnDetached('/nonexistent/dlite-x', [], { logPath: path.join(dir, 'm.log') }),
    ).rejects.toThrow(/ENOENT/);
  });

  it('readFileTail reads the end of a file and [] for a missing one', async () => {
    const log = path.join(dir, 'tail.log');
    await spawnDetached('seq', ['1', '5000'], { logPath: log }).then((c) => c.exited);
    expect(await readFileTail(log, 2, 100)).toEqual(['4999', '5000']);
    expect(await readFileTail(path.join(dir, 'none'), 2)).toEqual([]);
  });
});

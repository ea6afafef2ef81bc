import { describe, expect, it } from 'vitest';

import { lastLines } from '../../../electron/core/fs/tail.js';
import { formatCommand, LineRing, quoteArg } from '../../../electron/core/process/command-format.js';
import { CommandError, run } from '../../../electron/core/process/run.js';

async function failure(p: Promise<unknown>): Promise<CommandError> {
  const e: unknown = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(CommandError);
  return e as CommandError;
}

describe('run', () => {
  it('returns stdout, stderr and exit code 0', async () => {
    const r = await run('sh', ['-c', 'echo out; echo err >&2']);
    expect(r).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 0 });
  });

  it('passes argv verbatim, never through a shell', async () => {
    const r = await run('printf', ['%s|', 'a b', '$HOME', "it's"]);
    expect(r.stdout).toBe("a b|$HOME|it's|");
  });

  it('feeds input and merges env', async () => {
    const r = await run('sh', ['-c', 'cat; printf "$FOO"'], { input: 'in-', env: { FOO: 'bar' } });
    expect(r.stdout).toBe('in-bar');
  });

  it('throws CommandError with exit code and stderr tail on non-zero exit', async () => {
    const e = await failure(run('sh', ['-c', 'echo first >&2; echo "last words" >&2; exit 3']));
    expect(e.reason).toBe('exit');
    expect(e.exitCode).toBe(3);
    expect(e.signal).toBeNull();
    expect(e.stderrTail).toEqual(['first', 'last words']);
    expect(e.command).toBe(`sh -c 'echo first >&2; echo "last words" >&2; exit 3'`);
    expect(e.message).toContain('exited with code 3 (last words)');
  });

  it('kills on timeout', async () => {
    const t0 = Date.now();
    const e = await failure(run('sleep', ['10'], { timeoutMs: 200 }));
    expect(e.reason).toBe('timeout');
    expect(e.signal).toBe('SIGTERM');
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('kills on abort', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const e = await failure(run('sleep', ['10'], { signal: ac.signal }));
    expect(e.reason).toBe('cancelled');
  });

  it('reports a missing binary as a spawn failure', async () => {
    const e = await failure(run('/nonexistent/dlite-binary', ['x']));
    expect(e.reason).toBe('spawn');
    expect(e.message).toContain('ENOENT');
  });

  it('reports death by signal', async () => {
    const e = await failure(run('sh', ['-c', 'kill -9 $$']));
    expect(e.reason).toBe('signal');
    expect(e.signal).toBe('SIGKILL');
  });
});

describe('formatting helpers', () => {
  it.each([
    ['plain', 'plain'],
    ['a b', "'a b'"],
    ["it's", `'it'\\''s'`],
    ['', "''"],
    ['path/to=x,y:1', 'path/to=x,y:1'],
  ])('quoteArg(%j) = %s', (input, out) => {
    expect(quoteArg(input)).toBe(out);
  });

  it('formats a command', () => {
    expect(formatCommand('qemu', ['-append', 'console=ttyS0 quiet'])).toBe(
      "qemu -append 'console=ttyS0 quiet'",
    );
  });

  it('tails non-empty lines', () => {
    expect(lastLines('a\n\nb\r\nc  \n', 2)).toEqual(['b', 'c']);
  });

  it('LineRing keeps the newest lines and joins partial chunks', () => {
    const ring = new LineRing(2);
    ring.push('one\ntw');
    ring.push('o\nthree\nfo');
    expect(ring.snapshot()).toEqual(['three', 'fo']);
    ring.push('ur\n');
    expect(ring.snapshot()).toEqual(['three', 'four']);
  });
});

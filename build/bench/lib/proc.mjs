// Child processes, clocks and statistics for the benchmark harness (Node built-ins only).
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export const now = () => Number(process.hrtime.bigint()) / 1e6;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `cmd args` to completion. Resolves `{ code, stdout, stderr, ms }`; rejects on timeout or when
 * `check` is set and the exit code is not 0 (the error names the command and its stderr tail).
 * `input` is a string/Buffer or `{ file }` streamed to stdin.
 */
export function run(cmd, args, { env = process.env, input, timeoutMs = 300_000, check = true } = {}) {
  return new Promise((resolve, reject) => {
    const started = now();
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d.toString()));
    child.stderr.on('data', (d) => (stderr = (stderr + d.toString()).slice(-20_000)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label(cmd, args)} timed out after ${timeoutMs / 1000} s\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${label(cmd, args)}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = now() - started;
      if (check && code !== 0) {
        reject(new Error(`${label(cmd, args)} exited ${code}: ${(stderr || stdout).trim().slice(-1500)}`));
      } else resolve({ code, stdout, stderr, ms });
    });
    child.stdin.on('error', () => undefined);
    if (input && typeof input === 'object' && 'file' in input) createReadStream(input.file).pipe(child.stdin);
    else child.stdin.end(input ?? '');
  });
}

function label(cmd, args) {
  const shown = [cmd, ...args].join(' ');
  return shown.length > 160 ? `${shown.slice(0, 157)}...` : shown;
}

/** Polls `fn` every `intervalMs` until it returns something other than undefined. */
export async function waitFor(what, fn, { timeoutMs = 120_000, intervalMs = 250 } = {}) {
  const deadline = now() + timeoutMs;
  let last;
  while (now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** Quantile (0..1) of a list of numbers, nearest-rank on the sorted copy. */
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values) => quantile(values, 0.5);

/** utime+stime of a process in ms and its RSS in KiB, from /proc (Linux). */
export async function procUsage(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command: state is index 0, utime 11, stime 12 (clock ticks, 100 Hz on Linux).
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return { cpuMs: ticks * 10, rssKiB };
}

/** Pids whose parent is `pid` (one level), from /proc. */
export async function childrenOf(pid) {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

/** The command line of a process as an argv array ([] when gone). */
export async function cmdlineOf(pid) {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return raw.split('\0').filter((s, i, all) => s !== '' || i < all.length - 1);
}

export const round = (n, digits = 0) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : null);

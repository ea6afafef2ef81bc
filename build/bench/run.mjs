// `npm run bench`: Dlite's benchmark suite. Prints one table of figures, each with a baseline measured
// in the same run, and writes docs/performance.json, docs/PERFORMANCE.md and the README summary.
// Benchmarks never fail on a time; the process fails only when something could not be measured.
//
//   node build/bench/run.mjs [--only row,row] [--write | --no-write] [--wait-load MINUTES]
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { machineInfo, waitForLoad } from './lib/machine.mjs';
import { cmdlineOf, now, round, run } from './lib/proc.mjs';
import { entry, performanceBlock, readmeBlock, spliceBlock, textTable } from './lib/report.mjs';
import { CLI, IMAGE_DIR, REPO, createSession } from './lib/session.mjs';
import { latencyRows, portRows } from './rows/api.mjs';
import { cliRows, footprintRows } from './rows/host.mjs';
import { diskBackRows, idleRows, wakeRows } from './rows/idle.mjs';
import { lifecycleRows } from './rows/lifecycle.mjs';
import { shareRows } from './rows/share.mjs';
import { throughputRows } from './rows/throughput.mjs';

/** Row ids in run order (footprint first: right after boot, before the heavy rows fill the guest). */
const ROWS = [
  'cold-start',
  'stop',
  'footprint',
  'idle',
  'cli',
  'api-latency',
  'port',
  'share',
  'throughput',
  'disk-back',
  'wake',
];
const RUNNERS = {
  footprint: footprintRows,
  idle: idleRows,
  'disk-back': diskBackRows,
  wake: wakeRows,
  cli: cliRows,
  'api-latency': latencyRows,
  port: portRows,
  share: shareRows,
  throughput: throughputRows,
};

function parseArgs(argv) {
  const o = { only: ROWS, write: undefined, waitLoadMin: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') {
      o.only = (argv[++i] ?? '').split(',').filter(Boolean);
      const bad = o.only.find((r) => !ROWS.includes(r));
      if (bad || o.only.length === 0) fail(`--only takes rows from: ${ROWS.join(', ')}`);
    } else if (a === '--write') o.write = true;
    else if (a === '--no-write') o.write = false;
    else if (a === '--wait-load') o.waitLoadMin = Number(argv[++i]);
    else fail(`unknown option '${a}' (use --only ROWS, --write, --no-write, --wait-load MINUTES)`);
  }
  o.write ??= o.only.length === ROWS.length;
  return o;
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

async function preflight() {
  const missing = ['manifest.json', 'bzImage', 'rootfs.cpio.zst'].find(
    (f) => !existsSync(path.join(IMAGE_DIR, f)),
  );
  if (missing) {
    console.log(`bench: no guest OS image in ${path.relative(REPO, IMAGE_DIR)}, running npm run build:os`);
    await run('npm', ['run', 'build:os'], { timeoutMs: 1_800_000 }).catch((e) =>
      fail(`npm run build:os failed (it needs root and build/os/host-packages.txt): ${e.message}`),
    );
  }
  if (!existsSync(CLI)) {
    console.log('bench: dist/ is missing, running npm run build');
    await run('npm', ['run', 'build'], { timeoutMs: 600_000 }).catch((e) =>
      fail(`npm run build failed: ${e.message}`),
    );
  }
  for (const [tool, args] of [
    ['qemu-system-x86_64', ['--version']],
    ['docker', ['--version']],
    ['ssh', ['-V']],
    ['cpio', ['--version']],
    ['/bin/busybox', ['true']],
  ]) {
    await run(tool, args).catch(() => fail(`'${tool}' is needed (see build/host-packages.txt)`));
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  await preflight();
  const t0 = now();
  const loadBefore = await waitForLoad(opts.waitLoadMin, 1.5);
  const want = (row) => opts.only.includes(row);
  const session = await createSession();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dlite-bench-work-'));
  const ctx = { session, tmp, want, log: (line) => console.log(`  · ${line}`) };
  let interrupted = false;
  process.once('SIGINT', () => (interrupted = true));
  const entries = [];
  let accelerator = 'tcg';
  try {
    console.log(`bench: installing into ${session.home}`);
    await session.install();
    if (want('cold-start') || want('stop')) {
      console.log('bench: cold-start, stop');
      entries.push(...(await guarded('cold-start', () => lifecycleRows(ctx))));
    }
    const rest = opts.only.filter((r) => RUNNERS[r]);
    if (rest.length > 0) {
      if (!(await session.ping())) await session.dlite(['start'], { timeoutMs: 600_000 });
      const qemu = await session.vmPid();
      const argv = qemu ? await cmdlineOf(qemu) : [];
      const accel = argv[argv.indexOf('-accel') + 1];
      if (argv.includes('-accel') && accel) accelerator = accel.split(',')[0];
    }
    for (const row of ROWS.filter((r) => rest.includes(r))) {
      if (interrupted) throw new Error('interrupted');
      console.log(`bench: ${row}`);
      entries.push(...(await guarded(row, () => RUNNERS[row](ctx))));
    }
  } finally {
    console.log('bench: uninstalling');
    await session.cleanup();
    await rm(tmp, { recursive: true, force: true });
  }

  const meta = {
    date: new Date().toISOString(),
    machine: await machineInfo(),
    accelerator,
    guest: await guestLine(),
    loadBefore,
    loadAfter: os.loadavg().map((l) => round(l, 2)),
    durationMinutes: round((now() - t0) / 60_000, 1),
    rows: opts.only,
  };
  console.log(`\n${textTable(entries)}\n`);
  console.log(
    `machine: ${meta.machine.cpuModel}, ${meta.machine.cores} cores, ${meta.machine.memoryGiB} GiB; ${accelerator}`,
  );
  console.log(
    `load average before ${loadBefore.join(' / ')}, after ${meta.loadAfter.join(' / ')}; ${meta.durationMinutes} min`,
  );
  await writeResults(meta, entries, opts.write);
}

/** Runs one row; a row that cannot be measured becomes a line saying why, and the suite goes on. */
async function guarded(row, fn) {
  try {
    return await fn();
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    console.error(`bench: ${row} could not be measured: ${message}`);
    process.exitCode = 1;
    return [entry({ row, metric: 'not measured', value: null, unit: '', note: `failed: ${message}` })];
  }
}

async function guestLine() {
  const m = JSON.parse(await readFile(path.join(IMAGE_DIR, 'manifest.json'), 'utf8'));
  return `${m.name} ${m.version} (kernel ${m.kernelVersion}, Docker ${m.dockerVersion})`;
}

async function writeResults(meta, entries, write) {
  const json = JSON.stringify({ meta, entries }, null, 2) + '\n';
  if (!write) {
    const file = path.join(os.tmpdir(), 'dlite-bench-last.json');
    await writeFile(file, json);
    console.log(`bench: subset run; results in ${file} (docs untouched; --write to update them)`);
    return;
  }
  const jsonFile = path.join(REPO, 'docs/performance.json');
  await writeFile(jsonFile, json);
  const prettier = path.join(REPO, 'node_modules/.bin/prettier');
  if (existsSync(prettier)) await run(prettier, ['--write', jsonFile]).catch(() => undefined);
  const doc = path.join(REPO, 'docs/PERFORMANCE.md');
  if (!(await spliceBlock(doc, 'bench', performanceBlock(meta, entries)))) {
    console.error('bench: docs/PERFORMANCE.md has no <!-- bench:begin --> … <!-- bench:end --> block');
  }
  const headline = (e) =>
    ['cold-start', 'stop', 'cli', 'throughput'].includes(e.row) ||
    (e.row === 'api-latency' && e.metric.startsWith('GET /_ping, keep-alive')) ||
    (e.row === 'footprint' && e.metric.startsWith('daemon CPU')) ||
    (e.row === 'share' && e.metric.startsWith('find')) ||
    e.row === 'port';
  if (!(await spliceBlock(path.join(REPO, 'README.md'), 'bench', readmeBlock(meta, entries, headline)))) {
    console.error('bench: README.md has no <!-- bench:begin --> … <!-- bench:end --> block');
  }
  console.log('bench: wrote docs/performance.json, docs/PERFORMANCE.md and the README summary');
}

main().catch((e) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});

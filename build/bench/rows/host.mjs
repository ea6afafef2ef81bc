// Rows `cli` (dlite status wall time) and `footprint` (RSS and idle CPU of the daemon and QEMU).
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';

import { cmdlineOf, median, procUsage, round, run, sleep } from '../lib/proc.mjs';
import { entry } from '../lib/report.mjs';
import { CLI } from '../lib/session.mjs';

async function wallTimes(n, cmd, args, env) {
  const out = [];
  for (let i = 0; i < n; i++) out.push((await run(cmd, args, { env })).ms);
  return out;
}

/** `dlite status` (daemon and VM running) vs `node -e 0`, both median of `n`. */
export async function cliRows(ctx, { n = 20 } = {}) {
  const { session } = ctx;
  await run(process.execPath, [CLI, 'status'], { env: session.env });
  const node = await wallTimes(n, process.execPath, ['-e', '0'], session.env);
  const status = await wallTimes(n, process.execPath, [CLI, 'status'], session.env);
  const version = await wallTimes(n, process.execPath, [CLI, '--version'], session.env);
  const st = median(status);
  const base = median(node);
  return [
    entry({
      row: 'cli',
      metric: `dlite status, daemon running (median of ${n})`,
      value: round(st),
      unit: 'ms',
      baselineName: 'node -e 0',
      baseline: round(base),
      ratio: round(st / base, 1),
      target: '< 150 ms',
      met: st < 150,
      samples: { status, node, version },
      note: `dlite --version (loads the CLI, no daemon call) takes ${round(median(version))} ms.`,
    }),
  ];
}

/** Pids of the ssh processes this Dlite home runs (the ControlMaster; an SSH docker.sock forward where there is no Docker port). */
async function sshPidsOf(home) {
  const pids = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const argv = await cmdlineOf(Number(name));
    // A ControlMaster renames itself `ssh: <control path> [mux]`.
    if (/^(\S*\/)?ssh(:|$)/.test(argv[0] ?? '') && argv.join(' ').includes(home)) pids.push(Number(name));
  }
  return pids;
}

async function usageOf(pids) {
  let cpuMs = 0;
  let rssKiB = 0;
  for (const pid of pids) {
    const u = await procUsage(pid).catch(() => ({ cpuMs: 0, rssKiB: 0 }));
    cpuMs += u.cpuMs;
    rssKiB += u.rssKiB;
  }
  return { cpuMs, rssKiB };
}

/**
 * RSS after `idleMs` idle and CPU used during it by the daemon (plus its ssh helpers) and QEMU.
 * Baselines: an idle bare Node process's RSS; the guest memory size for QEMU.
 */
export async function footprintRows(ctx, { idleMs = 60_000 } = {}) {
  const { session } = ctx;
  const daemon = await session.daemonPid();
  const qemu = await session.vmPid();
  if (!daemon || !qemu) throw new Error('footprint: the daemon or QEMU is not running');
  const ssh = await sshPidsOf(session.home);
  const bare = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 1e9)']);
  const before = { daemon: await usageOf([daemon]), ssh: await usageOf(ssh), qemu: await usageOf([qemu]) };
  ctx.log(`idle ${idleMs / 1000} s`);
  await sleep(idleMs);
  const after = { daemon: await usageOf([daemon]), ssh: await usageOf(ssh), qemu: await usageOf([qemu]) };
  const bareRss = (await procUsage(bare.pid)).rssKiB;
  bare.kill();
  const pct = (k) => round(((after[k].cpuMs - before[k].cpuMs) / idleMs) * 100, 2);
  const mib = (kib) => round(kib / 1024, 1);
  const guestMiB = session.memoryGiB * 1024;
  return [
    entry({
      row: 'footprint',
      metric: 'daemon RSS after 60 s idle',
      value: mib(after.daemon.rssKiB),
      unit: 'MiB',
      baselineName: 'idle bare node',
      baseline: mib(bareRss),
      ratio: round(after.daemon.rssKiB / bareRss, 1),
      note: `its ssh helpers (${ssh.length}: the ControlMaster for commands; docker.sock is served by the daemon itself over the Docker port) add ${mib(after.ssh.rssKiB)} MiB.`,
    }),
    entry({
      row: 'footprint',
      metric: 'daemon CPU over 60 s idle',
      value: pct('daemon'),
      unit: '% of a core',
      target: '< 1 %',
      met: pct('daemon') < 1,
      note: `ssh helpers: ${pct('ssh')} % of a core.`,
    }),
    entry({
      row: 'footprint',
      metric: 'QEMU RSS after 60 s idle',
      value: mib(after.qemu.rssKiB),
      unit: 'MiB',
      baselineName: 'guest memory size',
      baseline: guestMiB,
      ratio: round((after.qemu.rssKiB / 1024 / guestMiB) * 100, 0),
      ratioKind: 'percent',
    }),
    entry({
      row: 'footprint',
      metric: 'QEMU CPU over 60 s idle',
      value: pct('qemu'),
      unit: '% of a core',
    }),
  ];
}

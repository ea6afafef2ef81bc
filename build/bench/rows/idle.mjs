// Rows `wake` (from a saved state, cold, resumed-not-rebooted), `idle` (hypervisor CPU and RSS with no
// containers), `memory-back` (RSS after a container that touched 1.5 GiB exits) and `disk-back`
// (disk.img after importing, removing and reclaiming a 300 MiB image). Baselines from the same run.
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

import { ensureBusyboxImage } from '../lib/images.mjs';
import { cmdlineOf, now, procUsage, round, run, sleep, waitFor } from '../lib/proc.mjs';
import { entry } from '../lib/report.mjs';

/** QEMU and virtiofsd of this home (virtiofsd's shared guest RAM counted once: its private RSS). */
async function hypervisorPids(session) {
  const qemu = await session.vmPid();
  const pids = qemu ? [qemu] : [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const argv = await cmdlineOf(Number(name));
    if (
      argv.some((a) => a.includes('virtiofsd')) &&
      argv.some((a) => a.startsWith(`--socket-path=${session.home}`))
    ) {
      pids.push(Number(name));
    }
  }
  return pids;
}

async function privateRssKiB(pid) {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/RssAnon:\s+(\d+)/.exec(text)?.[1] ?? 0);
}

/** CPU ms and RSS KiB of the hypervisor processes now. */
async function hypervisorUsage(session) {
  const pids = await hypervisorPids(session);
  let cpuMs = 0;
  let rssKiB = 0;
  for (const [i, pid] of pids.entries()) {
    const u = await procUsage(pid).catch(() => ({ cpuMs: 0, rssKiB: 0 }));
    cpuMs += u.cpuMs;
    rssKiB += i === 0 ? u.rssKiB : await privateRssKiB(pid).catch(() => 0);
  }
  return { cpuMs, rssKiB, pids };
}

const allocated = async (session) => (await stat(path.join(session.home, 'disk.img'))).blocks * 512;
const mib = (bytes) => round(bytes / 2 ** 20, 1);

async function identity(session) {
  const out = (await session.guest('cut -d" " -f1 /proc/uptime; cat /var/run/docker.pid')).stdout
    .trim()
    .split('\n');
  return { uptime: Number(out[0]), dockerdPid: Number(out[1]) };
}

/**
 * Time from launching `docker ps` until it returns (it wakes the VM), ms. Then waits, untimed, for
 * the start to end (a resumed engine serves clients just before it does).
 */
async function timedDockerPs(session) {
  const t0 = now();
  await session.docker(['ps'], { timeoutMs: 300_000 });
  const ms = now() - t0;
  await waitFor(
    'state running',
    async () =>
      JSON.parse((await session.dlite(['status', '--json'])).stdout).state === 'running' ? true : undefined,
    { timeoutMs: 120_000 },
  );
  return ms;
}

/** Restarts the daemon (and so the VM) with `extraEnv`. */
async function restartDaemon(session, extraEnv) {
  const pid = await session.daemonPid();
  if (pid) process.kill(pid, 'SIGTERM');
  await waitFor('daemon exit', async () => ((await session.daemonPid()) ? undefined : true), {
    timeoutMs: 120_000,
  });
  session.env = { ...session.env, ...extraEnv };
  await session.dlite(['start'], { timeoutMs: 600_000 });
}

export async function wakeRows(ctx) {
  const { session, log } = ctx;
  log('cold dlite start (baseline)');
  await session.dlite(['stop'], { timeoutMs: 120_000 });
  const t0 = now();
  await session.dlite(['start'], { timeoutMs: 600_000 });
  const cold = now() - t0;
  await session.docker(['ps']);
  const before = await identity(session);
  log('sleep (saved), then docker ps');
  await session.dlite(['sleep'], { timeoutMs: 300_000 });
  const asleep = JSON.parse((await session.dlite(['status', '--json'])).stdout);
  const savedLine = [
    ...(await readFile(path.join(session.home, 'log/dlite.log'), 'utf8')).matchAll(
      /VM saved in (\d+) ms \([\d.]+ MiB on disk(?:, (\w+) of ([\d.]+) MiB)?\)/g,
    ),
  ].at(-1);
  const savedHow = savedLine
    ? ` (${savedLine[2] ? `${savedLine[2]} of a ${savedLine[3]} MiB stream, ` : 'uncompressed, '}saved in ${round(Number(savedLine[1]) / 1000, 1)} s)`
    : '';
  const warm = await timedDockerPs(session);
  const after = await identity(session);
  log('sleep without a saved state (DLITE_SUSPEND=off), then docker ps');
  await restartDaemon(session, { DLITE_SUSPEND: 'off' });
  await session.dlite(['sleep'], { timeoutMs: 300_000 });
  const coldWake = await timedDockerPs(session);
  await restartDaemon(session, { DLITE_SUSPEND: '' });
  const resumed = after.dockerdPid === before.dockerdPid && after.uptime > before.uptime;
  return [
    entry({
      row: 'wake',
      metric: 'first docker ps after an idle suspend (saved state), until it returns',
      value: round(warm / 1000, 2),
      unit: 's',
      baselineName: 'cold dlite start',
      baseline: round(cold / 1000, 2),
      ratio: round(warm / cold, 2),
      target: '≤ 0.15×',
      met: warm / cold <= 0.15,
      note: `saved state ${mib(asleep.sleep?.savedStateBytes ?? 0)} MiB on disk${savedHow}.`,
    }),
    entry({
      row: 'wake',
      metric: 'first docker ps after an idle stop without a saved state (cold)',
      value: round(coldWake / 1000, 2),
      unit: 's',
      baselineName: 'cold dlite start',
      baseline: round(cold / 1000, 2),
      ratio: round(coldWake / cold, 2),
      target: '≤ 1.3×',
      met: coldWake / cold <= 1.3,
    }),
    entry({
      row: 'wake',
      metric: 'resumed, not rebooted: guest uptime and dockerd pid continue',
      value: resumed ? 'yes' : 'no',
      unit: '',
      met: resumed,
      note: `uptime ${before.uptime} s → ${after.uptime} s, dockerd pid ${before.dockerdPid} → ${after.dockerdPid}.`,
    }),
  ];
}

/** How long the VM must be quiet before the daemon hands its memory back (IdleController). */
const QUIET_MS = 60_000;

/**
 * Waits until the daemon has handed the guest's memory back after the use that ended at `since`
 * (a quiet minute after the last docker.sock client; see IdleController), ms since epoch of the line.
 * A hand-back logged less than a quiet minute after `since` belongs to an earlier quiet spell (one
 * still running when the bench's command came): it is not the one this waits for.
 */
async function waitSettled(session, since) {
  const logFile = path.join(session.home, 'log/dlite.log');
  return waitFor(
    'memory handed back once idle',
    async () => {
      for (const line of (await readFile(logFile, 'utf8')).split('\n')) {
        const m = /^(\S+) \w+ (?:gave \d+ MiB of free guest memory back|returning memory) once idle/.exec(
          line,
        );
        if (m && Date.parse(m[1]) >= since + QUIET_MS) return Date.parse(m[1]);
      }
      return undefined;
    },
    { timeoutMs: 300_000 },
  );
}

export async function idleRows(ctx, { idleMs = 60_000 } = {}) {
  const { session, log } = ctx;
  const image = await ensureBusyboxImage(session, ctx.tmp);
  await session.docker(['ps']);
  const used = Date.now();
  log('waiting for the daemon to hand the memory back once the VM is quiet');
  const settled = await waitSettled(session, used);
  // The guest then faults back from its image what it still uses: measured, but not idle.
  const s0 = await hypervisorUsage(session);
  log('the minute after it');
  await sleep(60_000);
  log(`idle ${idleMs / 1000} s, no containers`);
  const a = await hypervisorUsage(session);
  await sleep(idleMs);
  const b = await hypervisorUsage(session);
  const afterSettleCpu = round(((a.cpuMs - s0.cpuMs) / 60_000) * 100, 2);
  const cpu = round(((b.cpuMs - a.cpuMs) / idleMs) * 100, 2);
  const idleRss = b.rssKiB * 1024;
  log('a container touches 1.5 GiB, exits; RSS 60 s later');
  await session.docker(
    ['run', '--rm', '--tmpfs', '/t:size=1600m', image, 'sh', '-c', 'head -c 1610612736 /dev/zero > /t/f'],
    { timeoutMs: 600_000 },
  );
  const peak = (await hypervisorUsage(session)).rssKiB * 1024;
  await sleep(60_000);
  const back = (await hypervisorUsage(session)).rssKiB * 1024;
  return [
    entry({
      row: 'idle',
      metric: `hypervisor CPU over ${idleMs / 1000} s idle, no containers`,
      value: cpu,
      unit: '% of a core',
      target: '≤ 2 %',
      met: cpu <= 2,
      note: `processes: QEMU${b.pids.length > 1 ? ' + virtiofsd' : ''}; the window starts a minute after the daemon handed the memory back (${round((settled - used) / 1000, 0)} s after the last docker command).`,
    }),
    entry({
      row: 'idle',
      metric: 'hypervisor CPU in the minute after the memory was handed back',
      value: afterSettleCpu,
      unit: '% of a core',
      note: 'the guest faults back from its image the pages it still uses (the settle dropped them).',
    }),
    entry({
      row: 'idle',
      metric: `hypervisor RSS after ${idleMs / 1000} s idle, no containers, ${session.memoryGiB} GiB guest`,
      value: mib(idleRss),
      unit: 'MiB',
      baselineName: 'guest memory size',
      baseline: session.memoryGiB * 1024,
      ratio: round((idleRss / 2 ** 20 / (session.memoryGiB * 1024)) * 100, 0),
      ratioKind: 'percent',
      target: '≤ 500 MiB',
      met: idleRss <= 500 * 2 ** 20,
    }),
    entry({
      row: 'memory-back',
      metric: 'hypervisor RSS 60 s after a container that touched 1.5 GiB exits',
      value: mib(back),
      unit: 'MiB',
      baselineName: 'idle RSS before the workload',
      baseline: mib(idleRss),
      ratio: round(back / idleRss, 2),
      target: '≤ 1.5×',
      met: back / idleRss <= 1.5,
      note: `right after the container: ${mib(peak)} MiB.`,
    }),
  ];
}

export async function diskBackRows(ctx) {
  const { session, log, tmp } = ctx;
  await ensureBusyboxImage(session, tmp);
  const dir = path.join(tmp, 'big-image');
  await run('mkdir', ['-p', dir]);
  await run('sh', ['-c', `head -c 314572800 /dev/urandom > '${dir}/blob'`]);
  const tar = path.join(tmp, 'big.tar');
  await run('tar', ['-C', dir, '-cf', tar, 'blob']);
  await session.dlite(['disk', 'reclaim'], { timeoutMs: 600_000 });
  const before = await allocated(session);
  log('importing a 300 MiB image');
  await session.docker(['import', tar, 'dlite-bench/big:1'], { timeoutMs: 600_000 });
  await session.guest('sync');
  const grown = await allocated(session);
  await session.docker(['rmi', 'dlite-bench/big:1']);
  log('dlite disk reclaim');
  const t0 = now();
  await session.dlite(['disk', 'reclaim'], { timeoutMs: 600_000 });
  const took = now() - t0;
  const after = await allocated(session);
  await run('rm', ['-rf', dir, tar]);
  const growth = grown - before;
  const left = Math.max(0, after - before);
  return [
    entry({
      row: 'disk-back',
      metric: 'disk.img growth left after importing a 300 MiB image, removing it and reclaiming',
      value: mib(left),
      unit: 'MiB',
      baselineName: 'growth from the import',
      baseline: mib(growth),
      ratio: round((left / growth) * 100, 1),
      ratioKind: 'percent',
      target: '≤ 10 %',
      met: left / growth <= 0.1,
      note: `dlite disk reclaim took ${round(took / 1000, 1)} s.`,
    }),
  ];
}

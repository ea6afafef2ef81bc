// Rows `cold-start` and `stop`, against the boot floor (same kernel and QEMU flags, trivial init).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { bootFloor, buildFloorInitramfs, machineArgsOf } from '../lib/floor.mjs';
import { cmdlineOf, median, now, round, sleep } from '../lib/proc.mjs';
import { entry } from '../lib/report.mjs';
import { CLI } from '../lib/session.mjs';

/** Spawns the CLI without waiting; resolves its exit as `{ code, stderr, at }`. */
function spawnCli(session, args) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: session.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, at: now() }));
  });
}

/**
 * Timestamps (s after `t0`, wall clock) of the guest's `dlite: …` console lines as they appear.
 * The driver rotates console.log at launch, so lines count from the first shrink of the file.
 */
function watchConsole(file, t0Wall) {
  const seen = {};
  let offset = null;
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      const text = await readFile(file, 'utf8').catch(() => '');
      offset ??= text.length;
      if (text.length < offset) offset = 0;
      for (const line of text.slice(offset).split('\n')) {
        const m = /dlite: (network up|disk \w+|share mounted|ssh ready|docker ready|error)/.exec(line);
        if (m && seen[m[1]] === undefined) seen[m[1]] = round((Date.now() - t0Wall) / 1000, 2);
      }
      await sleep(50);
    }
  };
  const done = poll();
  return async () => {
    stopped = true;
    await done;
    return seen;
  };
}

/** The supervisor's `start i/n <step>` lines written after `t0Wall`, as s after it. */
async function supervisorSteps(home, t0Wall) {
  const text = await readFile(path.join(home, 'log/dlite.log'), 'utf8').catch(() => '');
  const steps = {};
  for (const line of text.split('\n')) {
    const m = /^(\S+) info start \d+\/\d+ (.+)$/.exec(line);
    const at = m ? Date.parse(m[1]) : NaN;
    if (m && at >= t0Wall - 1000) steps[m[2]] = round((at - t0Wall) / 1000, 2);
  }
  return steps;
}

/** One measured start: `dlite start` → first OK from `/_ping` on the host socket, and → CLI exit. */
async function timedStart(session) {
  const t0 = now();
  const t0Wall = Date.now();
  const stopWatch = watchConsole(path.join(session.home, 'log/console.log'), t0Wall);
  const cli = spawnCli(session, ['start']);
  let done = null;
  void cli.then((r) => (done = r));
  let pingAt = null;
  while (pingAt === null && done === null) {
    if (await session.ping(1_000)) pingAt = now();
    else await sleep(20);
  }
  const r = await cli;
  if (r.code !== 0) throw new Error(`dlite start failed: ${r.stderr.trim().split('\n').at(-1)}`);
  pingAt ??= (await session.ping()) ? r.at : null;
  const guest = await stopWatch();
  const host = await supervisorSteps(session.home, t0Wall);
  return { pingMs: pingAt - t0, cliMs: r.at - t0, guest, host };
}

/** One measured stop: `dlite stop` → QEMU process gone, and → CLI exit. */
async function timedStop(session) {
  const pid = await session.vmPid();
  if (!pid) throw new Error('no QEMU pid in run/vm.pid before stop');
  const t0 = now();
  const cli = spawnCli(session, ['stop']);
  const goneAt = await session.waitGone(pid);
  const r = await cli;
  if (r.code !== 0) throw new Error(`dlite stop failed: ${r.stderr.trim().split('\n').at(-1)}`);
  return { exitMs: goneAt - t0, cliMs: r.at - t0 };
}

/** The guest's console milestones and the supervisor's steps of the median start, in time order. */
function timeline(starts) {
  const sorted = [...starts].sort((a, b) => a.pingMs - b.pingMs);
  const mid = sorted[Math.floor(sorted.length / 2)];
  const marks = [
    ...Object.entries(mid.host).map(([k, v]) => [`host: ${k}`, v]),
    ...Object.entries(mid.guest).map(([k, v]) => [`guest: ${k}`, v]),
    ['host: /_ping OK', round(mid.pingMs / 1000, 2)],
    ['dlite start exits', round(mid.cliMs / 1000, 2)],
  ];
  return marks
    .sort((a, b) => a[1] - b[1])
    .map(([k, v]) => `${v} ${k}`)
    .join('; ');
}

/**
 * Formats the disk with one start (also starting the daemon), captures the live QEMU flags, boots the
 * floor `runs` times, then times `runs` start/stop pairs. Leaves the VM stopped.
 */
export async function lifecycleRows(ctx, { runs = 3 } = {}) {
  const { session, log } = ctx;
  log('first start (formats the disk, starts the daemon)');
  const first = await timedStart(session);
  const qemu = await session.vmPid();
  const machineArgs = machineArgsOf(qemu ? await cmdlineOf(qemu) : []);
  await session.dlite(['stop'], { timeoutMs: 180_000 });

  log('floor: trivial init on the same kernel and QEMU flags');
  const initrd = await buildFloorInitramfs(ctx.tmp);
  const floors = [];
  for (let i = 0; i < runs; i++) floors.push(await bootFloor(initrd, machineArgs));

  const starts = [];
  const stops = [];
  for (let i = 0; i < runs; i++) {
    log(`start/stop ${i + 1}/${runs}`);
    starts.push(await timedStart(session));
    if (ctx.want('stop')) stops.push(await timedStop(session));
    else await session.dlite(['stop'], { timeoutMs: 180_000 });
  }

  const s = (ms) => round(ms / 1000, 2);
  const floorTotal = median(floors.map((f) => f.totalMs));
  const floorOff = median(floors.map((f) => f.poweroffMs));
  const ping = median(starts.map((x) => x.pingMs));
  const out = [
    entry({
      row: 'cold-start',
      metric: `dlite start → /_ping OK (median of ${runs})`,
      value: s(ping),
      unit: 's',
      baselineName: 'floor: boot to trivial init + poweroff',
      baseline: s(floorTotal),
      ratio: round(ping / floorTotal, 1),
      target: '≤ 5×',
      met: ping / floorTotal <= 5,
      samples: { starts, floors, firstStartWithFormat: first },
      note:
        `daemon already running (started by the formatting start, ${s(first.pingMs)} s); ` +
        `dlite start exits at ${s(median(starts.map((x) => x.cliMs)))} s (after configuring dockerd, clock, context); ` +
        `floor reaches its init at ${s(median(floors.map((f) => f.toInitMs)))} s. ` +
        `Timeline of the median start (s): ${timeline(starts)}.`,
    }),
  ];
  if (stops.length > 0) {
    const exit = median(stops.map((x) => x.exitMs));
    out.push(
      entry({
        row: 'stop',
        metric: `dlite stop → QEMU exit (median of ${runs})`,
        value: s(exit),
        unit: 's',
        baselineName: 'floor: poweroff -f → exit',
        baseline: s(floorOff),
        ratio: round(exit / floorOff, 1),
        samples: { stops, floorPoweroffMs: floors.map((f) => f.poweroffMs) },
        note:
          `graceful: ACPI power button, the guest stops containers, dockerd and unmounts before powering off; ` +
          `the floor powers off without any of that, so the ratio shows the cost of a clean shutdown rather ` +
          `than overhead. dlite stop returns at ${s(median(stops.map((x) => x.cliMs)))} s.`,
      }),
    );
  }
  return out;
}

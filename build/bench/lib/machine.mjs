// What the figures were measured on, and waiting for a quiet machine.
import { readFile } from 'node:fs/promises';
import os from 'node:os';

import { round, sleep } from './proc.mjs';

export async function machineInfo() {
  const release = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(release)?.[1] ?? `${os.type()} ${os.release()}`;
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: os.cpus().length,
    memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    os: pretty,
    node: process.version,
  };
}

/**
 * Waits up to `minutes` for the 1-minute load average to drop below `threshold` (0: do not wait);
 * resolves the 1/5/15-minute load averages when measuring starts. Never fails: a busy machine only skews.
 */
export async function waitForLoad(minutes, threshold) {
  const deadline = Date.now() + minutes * 60_000;
  while (os.loadavg()[0] >= threshold && Date.now() < deadline) {
    console.log(`bench: load average ${os.loadavg()[0].toFixed(2)} ≥ ${threshold}, waiting`);
    await sleep(30_000);
  }
  const load = os.loadavg().map((l) => round(l, 2));
  if (load[0] >= threshold) console.log(`bench: measuring under load ${load[0]}: figures are skewed`);
  return load;
}

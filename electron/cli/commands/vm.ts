import type { DliteApi } from '../../shared/api.js';
import type { Result } from '../../shared/errors.js';
import type { VmStatus } from '../../shared/types.js';
import { CliError, cliPaths, unwrap, withDaemon } from '../client.js';
import type { CliIo } from '../commands.js';
import { parseFlags } from '../flags.js';
import { createProgressView } from '../progress.js';
import { formatFigures, formatSleep } from './figures.js';

/** Runs a lifecycle call while showing pushed progress; prints the outcome. */
async function lifecycle(io: CliIo, call: (api: DliteApi) => Promise<Result<VmStatus>>): Promise<VmStatus> {
  return withDaemon(io, async (api) => {
    const view = createProgressView(io);
    const off = api.onProgress((p) => view.update(p));
    try {
      // Give the event stream a moment to attach so the first steps are shown.
      await new Promise((r) => setTimeout(r, 50));
      return unwrap(await call(api));
    } finally {
      off();
      view.done();
    }
  });
}

function describeRunning(s: VmStatus): string[] {
  return [
    `Dlite is running (${s.hypervisor ?? 'vm'}, ${s.cpus} CPU, ${s.memoryGiB} GiB).`,
    `Docker: ${s.dockerEndpoint ?? '—'}`,
  ];
}

export async function startCommand(args: readonly string[], io: CliIo): Promise<number> {
  parseFlags('start', args, {});
  const s = await lifecycle(io, (api) => api.start());
  for (const line of describeRunning(s)) io.out(line);
  io.out(`Use it from this shell: eval "$(dlite env)"`);
  return 0;
}

export async function stopCommand(args: readonly string[], io: CliIo): Promise<number> {
  parseFlags('stop', args, {});
  await lifecycle(io, (api) => api.stop());
  io.out('Dlite is stopped.');
  return 0;
}

export async function restartCommand(args: readonly string[], io: CliIo): Promise<number> {
  parseFlags('restart', args, {});
  const s = await lifecycle(io, (api) => api.restart());
  for (const line of describeRunning(s)) io.out(line);
  return 0;
}

export function formatStatus(s: VmStatus): string[] {
  const state = s.state === 'sleeping' ? 'sleeping (wakes on use)' : s.state;
  const lines = [`state:      ${state}`, `hostname:   ${s.hostname}`];
  if (s.state === 'running') {
    lines.push(
      `ip:         ${s.ip ?? '—'}`,
      `docker:     ${s.dockerEndpoint ?? '—'}`,
      `hypervisor: ${s.hypervisor ?? '—'}`,
      `resources:  ${s.cpus} CPU, ${s.memoryGiB} GiB memory, ${s.diskGiB} GiB disk`,
      `uptime:     ${s.uptimeSeconds ?? 0} s`,
    );
  }
  lines.push(...formatSleep(s), ...formatFigures(s.resources ?? null));
  if (s.failure) {
    lines.push(`failed at:  ${s.failure.step}: ${s.failure.message}`);
    if (s.failure.lastCommand) lines.push(`command:    ${s.failure.lastCommand}`);
    if (s.failure.lastConsoleLines.length > 0) {
      lines.push('console:', ...s.failure.lastConsoleLines.map((l) => `  ${l}`));
    }
  }
  return lines;
}

export async function statusCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { flags } = parseFlags('status', args, { json: { value: false } });
  const s = await withDaemon(io, async (api) => unwrap(await api.status()));
  if (flags['json']) io.out(JSON.stringify(s, null, 2));
  else for (const line of formatStatus(s)) io.out(line);
  return s.state === 'error' ? 1 : 0;
}

export async function ipCommand(args: readonly string[], io: CliIo): Promise<number> {
  parseFlags('ip', args, {});
  const s = await withDaemon(io, async (api) => unwrap(await api.status()));
  if (s.state !== 'running' || s.ip === null) {
    throw new CliError("The VM is not running: start it with 'dlite start'");
  }
  io.out(s.ip);
  return 0;
}

export function envCommand(args: readonly string[], io: CliIo): Promise<number> {
  parseFlags('env', args, {});
  const paths = cliPaths(io);
  io.out(`export DOCKER_HOST=unix://${paths.dockerSocket}`);
  io.out('# Run this command to configure your shell: eval "$(dlite env)"');
  return Promise.resolve(0);
}

export async function syncClockCommand(args: readonly string[], io: CliIo): Promise<number> {
  parseFlags('sync-clock', args, {});
  await withDaemon(io, async (api) => unwrap(await api.syncClock()), { spawn: false });
  io.out("The VM's clock is set from this machine's.");
  return 0;
}

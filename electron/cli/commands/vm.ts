import type { DliteApi } from '../../shared/api.js';
import type { Result } from '../../shared/errors.js';
import type { VmStatus } from '../../shared/types.js';
import { CliError, unwrap, using, type CliContext } from '../context.js';
import type { ParsedCommand } from '../parse.js';
import { answerPrivilegedRequests, formatDegraded } from '../privileged-prompt.js';
import { createProgressView } from '../progress.js';
import { formatStatus, isHealthy } from '../status-text.js';

/** Runs a lifecycle call while showing pushed progress; answers the outcome. */
async function lifecycle(
  ctx: CliContext,
  call: (api: DliteApi) => Promise<Result<VmStatus>>,
): Promise<VmStatus> {
  return using(await ctx.host(), async (api) => {
    const view = createProgressView(ctx.io);
    const off = api.onProgress((p) => view.update(p));
    const offQuestions = answerPrivilegedRequests(api, ctx.io, { beforeAsking: () => view.done() });
    try {
      // Give the event stream a moment to attach so the first steps are shown.
      await new Promise((r) => setTimeout(r, 50));
      return unwrap(await call(api));
    } finally {
      off();
      offQuestions();
      view.done();
    }
  });
}

function describeRunning(s: VmStatus, ctx: CliContext): string[] {
  return [
    `Dlite is running (${s.hypervisor ?? 'vm'}, ${s.cpus} CPU, ${s.memoryGiB} GiB).`,
    `Docker: ${s.dockerEndpoint ?? '—'}`,
    `Use it from this shell: eval "$(${ctx.self} env)"  (or: docker context use ${ctx.paths.dockerContext})`,
    ...formatDegraded(s.hostIntegration.degraded),
  ];
}

export async function startCommand(_cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  const s = await lifecycle(ctx, (api) => api.start());
  for (const line of describeRunning(s, ctx)) ctx.io.out(line);
  return 0;
}

export async function stopCommand(_cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  const running = await ctx.runningHost();
  if (running === null) {
    // No daemon: nothing to stop, unless one crashed and left its VM running (a new one adopts it).
    const offline = await (await ctx.offline()).status();
    if (offline.state !== 'error') {
      ctx.io.out('Dlite is stopped.');
      return 0;
    }
  } else running.close();
  await lifecycle(ctx, (api) => api.stop());
  ctx.io.out('Dlite is stopped.');
  return 0;
}

export async function restartCommand(_cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  const s = await lifecycle(ctx, (api) => api.restart());
  for (const line of describeRunning(s, ctx)) ctx.io.out(line);
  return 0;
}

/** The status from the daemon when one runs, else from the files (never starts a daemon). */
async function currentStatus(ctx: CliContext): Promise<VmStatus> {
  const host = await ctx.runningHost();
  if (host === null) return (await ctx.offline()).status();
  return using(host, async (api) => unwrap(await api.status()));
}

export async function statusCommand(cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  const s = await currentStatus(ctx);
  if (cmd.options['json']) ctx.io.out(JSON.stringify(s, null, 2));
  else for (const line of formatStatus(s, ctx)) ctx.io.out(line);
  return isHealthy(s) ? 0 : 1;
}

export async function ipCommand(cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  const s = await currentStatus(ctx);
  if (s.state !== 'running' || s.ip === null) {
    throw new CliError(`The VM is not running: start it with '${ctx.self} start'`);
  }
  ctx.io.out(cmd.options['json'] ? JSON.stringify({ ip: s.ip }) : s.ip);
  return 0;
}

export async function syncClockCommand(_cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  const host = await ctx.runningHost();
  if (host === null) throw new CliError(`The VM is not running: start it with '${ctx.self} start'`);
  await using(host, async (api) => unwrap(await api.syncClock()));
  ctx.io.out("The VM's clock is set from this machine's.");
  return 0;
}

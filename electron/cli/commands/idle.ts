import { formatBytes } from '../../shared/format-transfer.js';
import { CliError, unwrap, using, type CliContext } from '../context.js';
import type { ParsedCommand } from '../parse.js';

/** The running daemon, or a one-line error: these commands act on a running VM only. */
async function runningDaemon(ctx: CliContext) {
  const host = await ctx.runningHost();
  if (host === null) throw new CliError(`Dlite is not running: start it with '${ctx.self} start'`);
  return host;
}

/** `dlite sleep`: the idle stop, now. */
export async function sleepCommand(_cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  const s = await using(await runningDaemon(ctx), async (api) => unwrap(await api.sleep()));
  if (s.state !== 'sleeping') {
    throw new CliError(`The VM is ${s.state}, not running: nothing to put to sleep`);
  }
  ctx.io.out(
    s.sleep?.suspended
      ? 'Dlite is asleep (saved); the next docker command wakes it.'
      : 'Dlite is asleep (shut down); the next docker command starts it.',
  );
  return 0;
}

/** `dlite disk reclaim`: trim the guest's disk and say what came back. */
export async function diskReclaimCommand(_cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  const r = await using(await runningDaemon(ctx), async (api) => unwrap(await api.reclaimDisk()));
  const back = Math.max(0, r.allocatedBeforeBytes - r.allocatedAfterBytes);
  ctx.io.out(
    `Trimmed ${formatBytes(r.trimmedBytes)} in the VM; disk.img now takes ${formatBytes(r.allocatedAfterBytes)} (${formatBytes(back)} given back).`,
  );
  return 0;
}

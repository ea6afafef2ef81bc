import { CliError, unwrap, withDaemon } from '../client.js';
import type { CliIo } from '../commands.js';
import { parseFlags } from '../flags.js';
import { formatBytes } from './figures.js';

/** `dlite sleep`: the idle stop, now. */
export async function sleepCommand(args: readonly string[], io: CliIo): Promise<number> {
  parseFlags('sleep', args, {});
  const s = await withDaemon(io, async (api) => unwrap(await api.sleep()), { spawn: false });
  if (s.state !== 'sleeping') {
    throw new CliError(`The VM is ${s.state}, not running: nothing to put to sleep`);
  }
  io.out(
    s.sleep?.suspended
      ? 'Dlite is asleep (saved); the next docker command wakes it.'
      : 'Dlite is asleep (shut down); the next docker command starts it.',
  );
  return 0;
}

/** `dlite disk reclaim`: trim the guest's disk and say what came back. */
export async function diskCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { positional } = parseFlags('disk', args, {});
  if (positional.length !== 1 || positional[0] !== 'reclaim') {
    throw new CliError('usage: dlite disk reclaim');
  }
  const r = await withDaemon(io, async (api) => unwrap(await api.reclaimDisk()), { spawn: false });
  const back = Math.max(0, r.allocatedBeforeBytes - r.allocatedAfterBytes);
  io.out(
    `Trimmed ${formatBytes(r.trimmedBytes)} in the VM; disk.img now takes ${formatBytes(r.allocatedAfterBytes)} (${formatBytes(back)} given back).`,
  );
  return 0;
}

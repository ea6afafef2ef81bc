import { runDaemon } from '../../core/host/host-supervisor.js';
import { cliPaths, unwrap, withDaemon } from '../../core/host/connect-host.js';
import type { CliIo } from '../commands.js';
import { parseFlags } from '../flags.js';

/** `dlite daemon [--foreground]`: host the supervisor; without --foreground, start it detached. */
export async function daemonCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { flags } = parseFlags('daemon', args, { foreground: { value: false } });
  if (flags['foreground']) return runDaemon(cliPaths(io), io.env, io.err);
  const status = await withDaemon(io, async (api) => unwrap(await api.status()));
  io.out(`The Dlite daemon is running (pid ${status.hostPid}); logs: ${cliPaths(io).dliteLog}`);
  return 0;
}

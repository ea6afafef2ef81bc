import type { LogLine, LogSource } from '../../shared/types.js';
import { unwrap, using, type CliContext } from '../context.js';
import { intOption, type ParsedCommand } from '../parse.js';

function print(ctx: CliContext, line: LogLine): void {
  ctx.io.out(line.time === '' ? line.text : `${line.time} ${line.text}`);
}

/** Resolves on SIGINT or SIGTERM (the end of `dlite logs -f`). */
function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

/**
 * `dlite logs [-f] [--console] [-n N]`: Dlite's own log, or the VM's serial console, through the
 * daemon (`logs`, then `onLog`); read from the files when no daemon runs.
 */
export async function logsCommand(cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  const lines = intOption(cmd.spec, 'lines', cmd.options['lines']) ?? 200;
  const source: LogSource = cmd.options['console'] ? 'console' : 'dlite';
  const follow = cmd.options['follow'] === true;
  const host = await ctx.runningHost();
  if (host === null) {
    const offline = await ctx.offline();
    for (const line of unwrap(await offline.logs({ source, lines }))) print(ctx, line);
    if (!follow) return 0;
    const abort = new AbortController();
    void interrupted().then(() => abort.abort());
    await offline.followLogs(source, (l) => print(ctx, l), abort.signal);
    return 0;
  }
  return using(host, async (api) => {
    for (const line of unwrap(await api.logs({ source, lines }))) print(ctx, line);
    if (!follow) return 0;
    const off = api.onLog((l) => {
      if (l.source === source) print(ctx, l);
    });
    await interrupted();
    off();
    return 0;
  });
}

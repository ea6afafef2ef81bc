import { DliteError } from '../../core/dlite-error.js';
import { hostSupervisor } from '../../core/host/host-supervisor.js';
import { createFileLogger } from '../../core/log/logger.js';
import { unwrap, using, type CliContext } from '../context.js';
import type { ParsedCommand } from '../parse.js';

/** How long an ended daemon lets its last writes finish before it exits regardless, ms. */
const EXIT_GRACE_MS = 2_000;

/** `DLITE_IDLE_EXIT_SECONDS`, in ms, when set to a whole number. */
function idleExitMs(env: NodeJS.ProcessEnv): number | undefined {
  const text = env['DLITE_IDLE_EXIT_SECONDS'];
  return text !== undefined && /^\d+$/.test(text) ? Number(text) * 1000 : undefined;
}

/** Hosts the home in this process until SIGTERM/SIGINT (the VM is then stopped) or it is idle. */
async function runForeground(cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  const log = createFileLogger(ctx.paths.dliteLog);
  // Nothing a settings file or a VM does may end the daemon unnoticed: log and keep serving.
  process.on('unhandledRejection', (e) =>
    log.error(`unhandled rejection: ${e instanceof Error ? e.stack : String(e)}`),
  );
  let host;
  try {
    const idle = idleExitMs(ctx.io.env);
    host = await hostSupervisor(ctx.paths, {
      env: ctx.io.env,
      keepAlive: cmd.options['keep-alive'] === true,
      ...(idle !== undefined ? { idleExitMs: idle } : {}),
    });
  } catch (e) {
    if (e instanceof DliteError) {
      ctx.io.err(`dlite daemon: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const signalled = new Promise<'signal'>((resolve) => {
    process.once('SIGTERM', () => resolve('signal'));
    process.once('SIGINT', () => resolve('signal'));
  });
  const why = await Promise.race([host.ended, signalled]);
  if (why === 'signal') await host.close({ stopVm: true });
  // The home is let go of: a timer some part left behind must not keep the process alive.
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
  return 0;
}

/** `dlite daemon [--foreground] [--keep-alive]`: host the home; without --foreground, in the background. */
export async function daemonCommand(cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  if (cmd.options['foreground']) return runForeground(cmd, ctx);
  const status = await using(await ctx.host(cmd.options['keep-alive'] === true), async (api) =>
    unwrap(await api.status()),
  );
  ctx.io.out(`The Dlite daemon is running (pid ${status.hostPid}); logs: ${ctx.paths.dliteLog}`);
  return 0;
}

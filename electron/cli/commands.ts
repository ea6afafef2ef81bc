import type { CliContext } from './context.js';
import type { ParsedCommand } from './parse.js';

export type CommandRun = (cmd: ParsedCommand, ctx: CliContext) => Promise<number>;

/**
 * Loads a command's module on first use, so `dlite status` does not pay for loading what `install`,
 * `daemon` or `ssh` need (execa and its dependencies take longer to load than Node takes to start).
 */
function lazy(load: () => Promise<CommandRun>): CommandRun {
  return async (cmd, ctx) => (await load())(cmd, ctx);
}

const vm = () => import('./commands/vm.js');
const config = () => import('./commands/config.js');

/** How each command of the table in spec.ts runs (`help` is answered by run.ts). */
export const RUNNERS: Readonly<Record<string, CommandRun>> = {
  install: lazy(() => import('./commands/install.js').then((m) => m.installCommand)),
  update: lazy(() => import('./commands/update.js').then((m) => m.updateCommand)),
  start: lazy(() => vm().then((m) => m.startCommand)),
  stop: lazy(() => vm().then((m) => m.stopCommand)),
  restart: lazy(() => vm().then((m) => m.restartCommand)),
  status: lazy(() => vm().then((m) => m.statusCommand)),
  ip: lazy(() => vm().then((m) => m.ipCommand)),
  env: lazy(() => import('./commands/env.js').then((m) => m.envCommand)),
  ssh: lazy(() => import('./commands/ssh.js').then((m) => m.sshCommand)),
  logs: lazy(() => import('./commands/logs.js').then((m) => m.logsCommand)),
  'config get': lazy(() => config().then((m) => m.configGetCommand)),
  'config set': lazy(() => config().then((m) => m.configSetCommand)),
  'sync-clock': lazy(() => vm().then((m) => m.syncClockCommand)),
  sleep: lazy(() => import('./commands/idle.js').then((m) => m.sleepCommand)),
  'disk reclaim': lazy(() => import('./commands/idle.js').then((m) => m.diskReclaimCommand)),
  doctor: lazy(() => import('./commands/doctor.js').then((m) => m.doctorCommand)),
  daemon: lazy(() => import('./commands/daemon.js').then((m) => m.daemonCommand)),
  uninstall: lazy(() => import('./commands/uninstall.js').then((m) => m.uninstallCommand)),
  completion: lazy(() =>
    import('./completion.js').then((m) => (cmd, ctx) => {
      ctx.io.out(m.completionScript(cmd.positionals[0] as 'bash' | 'zsh' | 'fish').trimEnd());
      return Promise.resolve(0);
    }),
  ),
};

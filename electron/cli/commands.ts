/**
 * Loads a command's module on first use, so `dlite status` does not pay for loading what `install`,
 * `daemon` or `ssh` need (execa and its dependencies take longer to load than Node takes to start).
 */
function lazy(load: () => Promise<CliCommand['run']>): CliCommand['run'] {
  return async (args, io) => (await load())(args, io);
}

const vm = () => import('./commands/vm.js');

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  readonly isTty: boolean;
  readonly env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  run: (args: readonly string[], io: CliIo) => Promise<number>;
}

/** Every `dlite` command, in help order. */
export const COMMANDS: readonly CliCommand[] = [
  {
    name: 'install',
    usage: 'install [-c N] [-m GiB] [-d GiB] [-n NAME] [-S DIR] [-v VER]',
    summary: 'create the config, disk, SSH key and OS image',
    run: lazy(() => import('./commands/install.js').then((m) => m.installCommand)),
  },
  {
    name: 'start',
    usage: 'start',
    summary: 'start the VM and wait until Docker answers',
    run: lazy(() => vm().then((m) => m.startCommand)),
  },
  {
    name: 'stop',
    usage: 'stop',
    summary: 'power the VM off gracefully',
    run: lazy(() => vm().then((m) => m.stopCommand)),
  },
  {
    name: 'restart',
    usage: 'restart',
    summary: 'stop, then start the VM',
    run: lazy(() => vm().then((m) => m.restartCommand)),
  },
  {
    name: 'status',
    usage: 'status [--json]',
    summary: 'show the VM state',
    run: lazy(() => vm().then((m) => m.statusCommand)),
  },
  {
    name: 'ip',
    usage: 'ip',
    summary: "print the VM's address",
    run: lazy(() => vm().then((m) => m.ipCommand)),
  },
  {
    name: 'env',
    usage: 'env',
    summary: 'print DOCKER_HOST for your shell: eval "$(dlite env)"',
    run: lazy(() => vm().then((m) => m.envCommand)),
  },
  {
    name: 'ssh',
    usage: 'ssh [-- CMD...]',
    summary: 'open a shell in the VM, or run a command there',
    run: lazy(() => import('./commands/ssh.js').then((m) => m.sshCommand)),
  },
  {
    name: 'logs',
    usage: 'logs [-f] [--console]',
    summary: "show Dlite's log, or the VM console",
    run: lazy(() => import('./commands/logs.js').then((m) => m.logsCommand)),
  },
  {
    name: 'config',
    usage: 'config get|set KEY [VALUE]',
    summary: 'read or change a setting',
    run: lazy(() => import('./commands/config.js').then((m) => m.configCommand)),
  },
  {
    name: 'sync-clock',
    usage: 'sync-clock',
    summary: "set the VM's clock from the host's",
    run: lazy(() => vm().then((m) => m.syncClockCommand)),
  },
  {
    name: 'sleep',
    usage: 'sleep',
    summary: 'put the VM to sleep now (docker.sock wakes it)',
    run: lazy(() => import('./commands/idle.js').then((m) => m.sleepCommand)),
  },
  {
    name: 'disk',
    usage: 'disk reclaim',
    summary: 'give the space the VM freed back to this machine',
    run: lazy(() => import('./commands/idle.js').then((m) => m.diskCommand)),
  },
  {
    name: 'doctor',
    usage: 'doctor',
    summary: 'check the hypervisor, accelerator, disk and sockets',
    run: lazy(() => import('./commands/doctor.js').then((m) => m.doctorCommand)),
  },
  {
    name: 'daemon',
    usage: 'daemon [--foreground]',
    summary: 'host the VM supervisor headless',
    run: lazy(() => import('./commands/daemon.js').then((m) => m.daemonCommand)),
  },
  {
    name: 'uninstall',
    usage: 'uninstall [--yes]',
    summary: 'stop the VM and remove everything Dlite created',
    run: lazy(() => import('./commands/uninstall.js').then((m) => m.uninstallCommand)),
  },
];

export function findCommand(name: string): CliCommand | undefined {
  return COMMANDS.find((c) => c.name === name);
}

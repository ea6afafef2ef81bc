export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly isTty: boolean;
  readonly env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  run(args: readonly string[], io: CliIo): Promise<number>;
}

const notYet =
  (name: string) =>
  (_args: readonly string[], io: CliIo): Promise<number> => {
    io.err(`dlite: '${name}' is not available in this build.`);
    return Promise.resolve(1);
  };

/** Every `dlite` command, in help order. */
export const COMMANDS: readonly CliCommand[] = [
  {
    name: 'install',
    usage: 'install [-c N] [-m GiB] [-d GiB] [-n NAME] [-S DIR] [-v VER]',
    summary: 'create the config, disk, SSH key and OS image',
    run: notYet('install'),
  },
  {
    name: 'start',
    usage: 'start',
    summary: 'start the VM and wait until Docker answers',
    run: notYet('start'),
  },
  { name: 'stop', usage: 'stop', summary: 'power the VM off gracefully', run: notYet('stop') },
  { name: 'restart', usage: 'restart', summary: 'stop, then start the VM', run: notYet('restart') },
  { name: 'status', usage: 'status [--json]', summary: 'show the VM state', run: notYet('status') },
  { name: 'ip', usage: 'ip', summary: "print the VM's address", run: notYet('ip') },
  {
    name: 'env',
    usage: 'env',
    summary: 'print DOCKER_HOST for your shell: eval "$(dlite env)"',
    run: notYet('env'),
  },
  {
    name: 'ssh',
    usage: 'ssh [-- CMD...]',
    summary: 'open a shell in the VM, or run a command there',
    run: notYet('ssh'),
  },
  {
    name: 'logs',
    usage: 'logs [-f] [--console]',
    summary: "show Dlite's log, or the VM console",
    run: notYet('logs'),
  },
  {
    name: 'config',
    usage: 'config get|set KEY [VALUE]',
    summary: 'read or change a setting',
    run: notYet('config'),
  },
  {
    name: 'sync-clock',
    usage: 'sync-clock',
    summary: "set the VM's clock from the host's",
    run: notYet('sync-clock'),
  },
  {
    name: 'doctor',
    usage: 'doctor',
    summary: 'check the hypervisor, accelerator, disk and sockets',
    run: notYet('doctor'),
  },
  {
    name: 'daemon',
    usage: 'daemon [--foreground]',
    summary: 'host the VM supervisor headless',
    run: notYet('daemon'),
  },
  {
    name: 'uninstall',
    usage: 'uninstall [--yes]',
    summary: 'stop the VM and remove everything Dlite created',
    run: notYet('uninstall'),
  },
];

export function findCommand(name: string): CliCommand | undefined {
  return COMMANDS.find((c) => c.name === name);
}

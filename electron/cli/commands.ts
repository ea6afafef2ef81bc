import { configCommand } from './commands/config.js';
import { daemonCommand } from './commands/daemon.js';
import { doctorCommand } from './commands/doctor.js';
import { installCommand } from './commands/install.js';
import { logsCommand } from './commands/logs.js';
import { sshCommand } from './commands/ssh.js';
import { uninstallCommand } from './commands/uninstall.js';
import {
  envCommand,
  ipCommand,
  restartCommand,
  startCommand,
  statusCommand,
  stopCommand,
  syncClockCommand,
} from './commands/vm.js';

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
    run: installCommand,
  },
  {
    name: 'start',
    usage: 'start',
    summary: 'start the VM and wait until Docker answers',
    run: startCommand,
  },
  { name: 'stop', usage: 'stop', summary: 'power the VM off gracefully', run: stopCommand },
  { name: 'restart', usage: 'restart', summary: 'stop, then start the VM', run: restartCommand },
  { name: 'status', usage: 'status [--json]', summary: 'show the VM state', run: statusCommand },
  { name: 'ip', usage: 'ip', summary: "print the VM's address", run: ipCommand },
  {
    name: 'env',
    usage: 'env',
    summary: 'print DOCKER_HOST for your shell: eval "$(dlite env)"',
    run: envCommand,
  },
  {
    name: 'ssh',
    usage: 'ssh [-- CMD...]',
    summary: 'open a shell in the VM, or run a command there',
    run: sshCommand,
  },
  {
    name: 'logs',
    usage: 'logs [-f] [--console]',
    summary: "show Dlite's log, or the VM console",
    run: logsCommand,
  },
  {
    name: 'config',
    usage: 'config get|set KEY [VALUE]',
    summary: 'read or change a setting',
    run: configCommand,
  },
  {
    name: 'sync-clock',
    usage: 'sync-clock',
    summary: "set the VM's clock from the host's",
    run: syncClockCommand,
  },
  {
    name: 'doctor',
    usage: 'doctor',
    summary: 'check the hypervisor, accelerator, disk and sockets',
    run: doctorCommand,
  },
  {
    name: 'daemon',
    usage: 'daemon [--foreground]',
    summary: 'host the VM supervisor headless',
    run: daemonCommand,
  },
  {
    name: 'uninstall',
    usage: 'uninstall [--yes]',
    summary: 'stop the VM and remove everything Dlite created',
    run: uninstallCommand,
  },
];

export function findCommand(name: string): CliCommand | undefined {
  return COMMANDS.find((c) => c.name === name);
}

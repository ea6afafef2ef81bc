import { SETTINGS_KEYS } from '../core/settings/schema.js';

/** One option of a command, as `--help` and the completion scripts show it. */
export interface OptionSpec {
  readonly type: 'boolean' | 'string';
  readonly short?: string;
  /** The value's name in help (`N`, `GiB`, `DIR`); string options only. */
  readonly value?: string;
  readonly description: string;
  /** What applies without the option, shown as "(default: …)". */
  readonly default?: string;
  /** The values a string option takes (completion, and checked by the command). */
  readonly choices?: readonly string[];
}

/** A command (`start`) or a subcommand (`config get`). */
export interface CommandSpec {
  /** `start`, or `config get` for a subcommand. */
  readonly name: string;
  readonly summary: string;
  /** The positionals in usage form, e.g. `[KEY]`, `KEY VALUE...`, `[--] [COMMAND [ARG...]]`. */
  readonly args?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** How many positionals it takes: [min, max] (max may be Infinity). */
  readonly positionals: readonly [number, number];
  /** From the N-th positional on, every word is taken as it is, options included (`ssh`: 0). */
  readonly verbatimAfter?: number;
  /** What positionals complete to. */
  readonly complete?: 'settings-keys' | 'shells' | 'commands';
  /** More help: examples, exit status. */
  readonly details?: string;
}

/** Options every command takes (listed once, under "Global options"). */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  profile: {
    type: 'string',
    short: 'p',
    value: 'NAME',
    description: 'use the Dlite home ~/.dlite-NAME (docker context dlite-NAME); `default` is ~/.dlite',
    default: '$DLITE_HOME, else ~/.dlite',
  },
  help: { type: 'boolean', short: 'h', description: 'show help for the command' },
};

const JSON_OPTION: OptionSpec = { type: 'boolean', description: 'print JSON instead of text' };

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** Every `dlite` command, in help order. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'install',
    summary: 'create the settings, SSH key, disk and OS image of a Dlite home',
    options: {
      cpus: {
        type: 'string',
        short: 'c',
        value: 'N',
        description: 'CPUs of the VM',
        default: '2, or all if fewer',
      },
      memory: {
        type: 'string',
        short: 'm',
        value: 'GiB',
        description: 'memory of the VM',
        default: '2, or less on a small machine',
      },
      disk: {
        type: 'string',
        short: 'd',
        value: 'GiB',
        description: 'size of the sparse disk (grows, never shrinks)',
        default: '20',
      },
      hostname: {
        type: 'string',
        short: 'n',
        value: 'NAME',
        description: "the VM's host name",
        default: 'local.docker',
      },
      share: {
        type: 'string',
        short: 'S',
        value: 'DIR',
        description: 'folder shared into the VM at the same path',
        default: '/Users on macOS, your home folder elsewhere',
      },
      'os-version': {
        type: 'string',
        short: 'v',
        value: 'VER',
        description: 'install this DhyveOS version',
        default: 'the newest found',
      },
      'os-dir': {
        type: 'string',
        value: 'DIR',
        description: 'install the DhyveOS image from this local build folder (a build/os/out/<arch>)',
        default: 'download from the release channel, unless an image is installed or bundled',
      },
      'os-image': {
        type: 'string',
        value: 'DIR',
        description: 'the older name of --os-dir',
      },
      channel: {
        type: 'string',
        value: 'URL',
        description: 'the release index to install from (saved as os_channel_url)',
        default: 'os_channel_url',
      },
      'launch-agent': {
        type: 'boolean',
        description: 'also start the dlite daemon at login (a launchd agent; macOS only)',
      },
    },
    positionals: [0, 0],
    details:
      'Idempotent: run it again to change the flags given; other settings keep their values.\n' +
      'It writes with no daemon running: an idle one is ended first; a running VM must be stopped.\n' +
      'A config.json that cannot be read is kept beside the new one (config.json.invalid-<time>),\n' +
      'and its uuid is kept when it still holds one.',
  },
  {
    name: 'update',
    summary: 'install the newest DhyveOS (used at the next start), or switch back',
    options: {
      'os-version': {
        type: 'string',
        short: 'v',
        value: 'VER',
        description: 'install this DhyveOS version instead of the newest',
        default: 'os_version (latest)',
      },
      rollback: { type: 'boolean', description: 'switch back to the previous DhyveOS version' },
      check: { type: 'boolean', description: 'only say whether a newer version is available' },
    },
    positionals: [0, 0],
    details:
      'Downloads from os_channel_url with progress, resumes an interrupted download, and verifies\n' +
      'size and sha256 before switching. The running VM keeps its version until it restarts.\n' +
      'The previous version is kept for --rollback; older ones are removed.',
  },
  {
    name: 'start',
    summary: 'start the VM and wait until Docker answers',
    options: {},
    positionals: [0, 0],
    details: 'Starts the dlite daemon of the home when none runs.',
  },
  { name: 'stop', summary: 'power the VM off gracefully', options: {}, positionals: [0, 0] },
  {
    name: 'restart',
    summary: 'stop, then start the VM (also recovers an unresponsive one)',
    options: {},
    positionals: [0, 0],
  },
  {
    name: 'status',
    summary: 'show the VM state, the docker.sock transport and settings problems',
    options: { json: JSON_OPTION },
    positionals: [0, 0],
    details:
      'Never starts a daemon: without one, answers from the files.\n' +
      'Exit status: 0 when Docker is there: the VM runs and Docker answers, or it sleeps (the next\n' +
      'docker command wakes it); 1 otherwise (stopped, starting, stopping, error, or the engine\n' +
      'unresponsive); 2 for a usage error.',
  },
  {
    name: 'ip',
    summary: "print the VM's address",
    options: { json: JSON_OPTION },
    positionals: [0, 0],
  },
  {
    name: 'env',
    summary: 'print DOCKER_HOST for your shell',
    options: {
      shell: {
        type: 'string',
        value: 'SHELL',
        description: 'bash, zsh or fish',
        default: 'from $SHELL, else bash',
        choices: SHELLS,
      },
    },
    positionals: [0, 0],
    details: 'Use: eval "$(dlite env)" (bash, zsh) or: dlite env --shell fish | source',
  },
  {
    name: 'ssh',
    summary: 'open a shell in the VM, or run a command there',
    args: '[--] [COMMAND [ARG...]]',
    options: {},
    positionals: [0, Infinity],
    verbatimAfter: 0,
    details:
      'Everything after the first word that is not an option of dlite ssh is the command:\n' +
      "`dlite ssh df -h` and `dlite ssh -- df -h` both run `df -h`. The command's exit status is passed through.",
  },
  {
    name: 'logs',
    summary: "show Dlite's log, or the VM console",
    options: {
      follow: { type: 'boolean', short: 'f', description: 'keep printing new lines' },
      console: { type: 'boolean', description: "the VM's serial console instead of Dlite's log" },
      lines: {
        type: 'string',
        short: 'n',
        value: 'N',
        description: 'how many lines to print first',
        default: '200',
      },
    },
    positionals: [0, 0],
  },
  {
    name: 'config get',
    summary: 'print the settings, or one of them',
    args: '[KEY]',
    options: { json: JSON_OPTION },
    positionals: [0, 1],
    complete: 'settings-keys',
    details:
      'Each line is KEY VALUE, quoted for the shell: paste it after `dlite config set`.\n' +
      'Never starts a daemon: without one, reads the file.',
  },
  {
    name: 'config set',
    summary: 'change a setting; says whether it applied live or needs a restart',
    args: 'KEY VALUE...',
    options: {},
    positionals: [2, Infinity],
    verbatimAfter: 1,
    complete: 'settings-keys',
    details:
      'Lists (registry_mirrors, dns) take a comma-separated list or a JSON array; docker_args takes\n' +
      'the flags as words, e.g. `dlite config set docker_args --debug --log-level=info`; an empty\n' +
      "VALUE ('') clears a list. Settings: " +
      SETTINGS_KEYS.join(', ') +
      '.',
  },
  {
    name: 'sync-clock',
    summary: "set the VM's clock from this machine's",
    options: {},
    positionals: [0, 0],
  },
  {
    name: 'sleep',
    summary: 'put the VM to sleep now (docker.sock wakes it)',
    options: {},
    positionals: [0, 0],
    details:
      'What an idle stop does (idle_stop_minutes): the VM is saved where the hypervisor can, else shut\n' +
      'down; docker.sock stays open and the next docker command wakes it. Never starts a daemon.',
  },
  {
    name: 'disk reclaim',
    summary: 'give the space the VM freed back to this machine',
    options: {},
    positionals: [0, 0],
    details: "Trims the VM's disk so the sparse disk.img shrinks. The VM trims by itself hourly too.",
  },
  {
    name: 'doctor',
    summary: 'check the hypervisor, accelerator, settings, disk, image and sockets',
    options: { json: JSON_OPTION },
    positionals: [0, 0],
    details: 'Exit status: 0 when nothing failed, 1 otherwise.',
  },
  {
    name: 'daemon',
    summary: 'run the dlite daemon, the one host of the VM',
    options: {
      foreground: { type: 'boolean', description: 'run in this process instead of in the background' },
      'keep-alive': {
        type: 'boolean',
        description: 'never exit for being idle (for a login agent)',
        default: 'exit 5 minutes after the VM stopped with no client connected',
      },
    },
    positionals: [0, 0],
    details:
      'Commands start the daemon on demand, so running it by hand is rarely needed.\n' +
      'Environment: DLITE_IDLE_EXIT_SECONDS overrides the idle delay; DLITE_DOCKER_TRANSPORT=ssh\n' +
      "forwards docker.sock over SSH instead of the VM's Docker port.",
  },
  {
    name: 'uninstall',
    summary: 'stop the VM and remove what this Dlite home created',
    options: { yes: { type: 'boolean', short: 'y', description: 'do not ask for confirmation' } },
    positionals: [0, 0],
    details:
      'Removes only what Dlite recorded creating in the home (.dlite-manifest.json), and the docker\n' +
      "context only if it points at this home's socket.",
  },
  {
    name: 'completion',
    summary: 'print a shell completion script',
    args: 'bash|zsh|fish',
    options: {},
    positionals: [1, 1],
    complete: 'shells',
    details:
      'bash: source <(dlite completion bash)   zsh: source <(dlite completion zsh)\n' +
      'fish: dlite completion fish | source',
  },
  {
    name: 'help',
    summary: 'show help for a command',
    args: '[COMMAND [SUBCOMMAND]]',
    options: {},
    positionals: [0, 2],
    complete: 'commands',
  },
];

/** Commands made of subcommands (`config`), with their subcommand names. */
export function groups(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of COMMANDS) {
    const [head, sub] = c.name.split(' ');
    if (sub !== undefined) out.set(head!, [...(out.get(head!) ?? []), sub]);
  }
  return out;
}

/** The spec named `name` (`start`, `config get`). */
export function findSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

import { CliError } from '../core/host/connect-host.js';
import { COMMANDS, findCommand, type CliIo } from './commands.js';
import { UsageError } from './flags.js';
import { VERSION } from './version.js';

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  const lines = COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`);
  return [
    'dlite — Docker in a tiny VM, one command away',
    '',
    'Usage: dlite <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  -h, --help     show help',
    '  --version      print the version',
    '',
    'Environment: DLITE_HOME relocates ~/.dlite.',
  ].join('\n');
}

const defaultIo: CliIo = {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
  isTty: process.stdout.isTTY === true,
  env: process.env,
};

/** Runs one CLI invocation; resolves with the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.out(helpText());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === 'version') {
    io.out(`dlite ${VERSION}`);
    return 0;
  }
  const command = findCommand(name);
  if (command === undefined) {
    io.err(`dlite: unknown command '${name}'. Run 'dlite --help' for the list of commands.`);
    return 2;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    io.out(`Usage: dlite ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    io.err(errorLine(e));
    return e instanceof UsageError ? 2 : e instanceof CliError ? e.exitCode : 1;
  }
}

/** Every failure is one actionable line on stderr. */
function errorLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const line = message.split('\n')[0] ?? message;
  return line.startsWith('dlite') ? line : `dlite: ${line}`;
}

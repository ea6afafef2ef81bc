import { DliteError } from '../core/dlite-error.js';
import type { HostClient } from '../core/host/connect-host.js';
import { resolvePaths, type DlitePaths } from '../core/paths.js';
import { RUNNERS } from './commands.js';
import { CliError, UsageError, type CliContext, type CliIo } from './context.js';
import { commandHelp, globalHelp } from './help.js';
import { parseInvocation, type ParsedCommand } from './parse.js';
import { SHELLS } from './spec.js';
import { VERSION } from '../core/version.js';

export { globalHelp as helpText } from './help.js';

const defaultIo: CliIo = {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
  isTty: process.stdout.isTTY === true,
  errIsTty: process.stderr.isTTY === true,
  env: process.env,
};

/** The argv that starts `dlite daemon --foreground` with this same CLI. */
function daemonArgv(env: NodeJS.ProcessEnv, keepAlive: boolean): string[] | false {
  const entry = env['DLITE_CLI_ENTRY'] ?? process.argv[1];
  if (entry === undefined) return false;
  return [process.execPath, entry, 'daemon', '--foreground', ...(keepAlive ? ['--keep-alive'] : [])];
}

function contextFor(cmd: ParsedCommand, io: CliIo): CliContext {
  let paths: DlitePaths;
  try {
    paths = resolvePaths(io.env, cmd.profile);
  } catch (e) {
    throw new UsageError(`dlite: ${(e as Error).message}`);
  }
  const connect = async (spawn: readonly string[] | false): Promise<HostClient> => {
    const { connectHost } = await import('../core/host/connect-host.js');
    return connectHost(paths, { spawn, env: io.env });
  };
  return {
    io,
    paths,
    self: cmd.profile === undefined ? 'dlite' : `dlite -p ${cmd.profile}`,
    host: (keepAlive = false) => connect(daemonArgv(io.env, keepAlive)),
    runningHost: () =>
      connect(false).catch((e: unknown) => {
        if (e instanceof DliteError && e.code === 'daemon-unreachable') return null;
        throw e;
      }),
    offline: async () => (await import('../core/host/offline.js')).readOffline(paths, io.env),
  };
}

/** Every failure is one actionable line on stderr. */
function errorLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const line = message.split('\n')[0] ?? message;
  return line.startsWith('dlite') ? line : `dlite: ${line}`;
}

/**
 * Runs one CLI invocation; resolves with the process exit code: 0 success, 1 failure (one line on
 * stderr), 2 wrong usage. `dlite status` documents its own codes.
 */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  try {
    const inv = parseInvocation(argv);
    if (inv.kind === 'version') {
      io.out(`dlite ${VERSION}`);
      return 0;
    }
    if (inv.kind === 'help') {
      const text = inv.topic.length === 0 ? globalHelp() : commandHelp(inv.topic);
      if (text === null) throw new UsageError(`dlite help: no command '${inv.topic.join(' ')}'`);
      io.out(text);
      return inv.exitCode;
    }
    const { command } = inv;
    if (
      command.spec.name === 'completion' &&
      !(SHELLS as readonly string[]).includes(command.positionals[0]!)
    ) {
      throw new UsageError(
        `dlite completion: expected ${SHELLS.join(', ')}, got '${command.positionals[0]}'`,
      );
    }
    const run = RUNNERS[command.spec.name];
    if (run === undefined) throw new Error(`internal: no runner for ${command.spec.name}`);
    return await run(command, contextFor(command, io));
  } catch (e) {
    io.err(errorLine(e));
    return e instanceof UsageError ? 2 : e instanceof CliError ? e.exitCode : 1;
  }
}

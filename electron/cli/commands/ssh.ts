import { spawn } from 'node:child_process';

import { remoteCommand, sshBaseArgs, sshInteractiveArgs } from '../../core/ssh/ssh-args.js';
import { CliError, cliPaths, unwrap, withDaemon } from '../../core/host/connect-host.js';
import type { CliIo } from '../commands.js';
import { parseFlags } from '../flags.js';

/** `dlite ssh [-- cmd...]`: a shell in the VM, or one command with its exit code passed through. */
export async function sshCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { positional, rest } = parseFlags('ssh', args, {});
  const command = [...positional, ...rest];
  const status = await withDaemon(io, async (api) => unwrap(await api.status()), { spawn: false });
  if (status.state !== 'running' || status.ssh === null) {
    throw new CliError("The VM is not running: start it with 'dlite start'");
  }
  const target = {
    paths: cliPaths(io),
    endpoint: { host: status.ssh.host, port: status.ssh.port },
    hostKeyAlias: status.ssh.hostKeyAlias,
    user: status.ssh.user,
  };
  const argv =
    command.length === 0
      ? sshInteractiveArgs(target)
      : [...sshBaseArgs(target, process.stdin.isTTY ? ['-t'] : []), remoteCommand(command)];
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', argv, { stdio: 'inherit', env: io.env });
    child.on('error', (e) => reject(new CliError(`Could not run ssh: ${e.message}`)));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 1 : 1)));
  });
}

import { spawn } from 'node:child_process';

import { remoteCommand, sshBaseArgs, sshInteractiveArgs } from '../../core/ssh/ssh-args.js';
import { CliError, unwrap, using, type CliContext } from '../context.js';
import type { ParsedCommand } from '../parse.js';

/**
 * `dlite ssh [--] [COMMAND [ARG...]]`: a shell in the VM, or one command with its arguments passed
 * through unchanged and its exit code passed back.
 */
export async function sshCommand(cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  const host = await ctx.runningHost();
  const status = host === null ? null : await using(host, async (api) => unwrap(await api.status()));
  if (status === null || status.state !== 'running' || status.ssh === null) {
    throw new CliError(`The VM is not running: start it with '${ctx.self} start'`);
  }
  const target = {
    paths: ctx.paths,
    endpoint: { host: status.ssh.host, port: status.ssh.port },
    hostKeyAlias: status.ssh.hostKeyAlias,
    user: status.ssh.user,
  };
  const command = cmd.positionals;
  const argv =
    command.length === 0
      ? sshInteractiveArgs(target)
      : [...sshBaseArgs(target, process.stdin.isTTY ? ['-t'] : []), remoteCommand(command)];
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', argv, { stdio: 'inherit', env: ctx.io.env });
    child.on('error', (e) => reject(new CliError(`Could not run ssh: ${e.message}`)));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 1 : 1)));
  });
}

import type { CliContext } from '../context.js';
import type { ParsedCommand } from '../parse.js';
import { detectShell, envScript } from '../shell-env.js';
import type { Shell } from '../spec.js';

/** `dlite env [--shell bash|zsh|fish]`: DOCKER_HOST for this home, quoted for the shell. */
export function envCommand(cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  const shell = (cmd.options['shell'] as Shell | undefined) ?? detectShell(ctx.io.env);
  const lines = envScript(shell, { DOCKER_HOST: `unix://${ctx.paths.dockerSocket}` }, ctx.self);
  for (const line of lines) ctx.io.out(line);
  return Promise.resolve(0);
}

import path from 'node:path';

import type { Shell } from './spec.js';

/** `text` as one word for bash and zsh: single-quoted, nothing inside is expanded. */
export function posixQuote(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** `text` as one word for fish: single-quoted, with `\` and `'` escaped as fish requires. */
export function fishQuote(text: string): string {
  return `'${text.replace(/[\\']/g, '\\$&')}'`;
}

/** The shell `dlite env` writes for: `fish` or `zsh` when `$SHELL` is one, else `bash`. */
export function detectShell(env: NodeJS.ProcessEnv): Shell {
  const name = path.basename(env['SHELL'] ?? '');
  return name === 'fish' || name === 'zsh' ? name : 'bash';
}

/**
 * Lines that set `vars` in `shell`, each value quoted so that no character of it (space, `$(…)`,
 * quote, newline) is interpreted, then the hint to apply them (`self` is how to call dlite).
 */
export function envScript(shell: Shell, vars: Readonly<Record<string, string>>, self: string): string[] {
  if (shell === 'fish') {
    return [
      ...Object.entries(vars).map(([k, v]) => `set -gx ${k} ${fishQuote(v)};`),
      `# Run this command to configure your shell: ${self} env --shell fish | source`,
    ];
  }
  return [
    ...Object.entries(vars).map(([k, v]) => `export ${k}=${posixQuote(v)}`),
    `# Run this command to configure your shell: eval "$(${self} env${shell === 'zsh' ? ' --shell zsh' : ''})"`,
  ];
}

import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { completionScript } from '../../../electron/cli/completion.js';

// Each script loaded into the real shell and asked for completions the way the shell asks.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-compl-'));
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    await writeFile(path.join(dir, `dlite.${shell}`), completionScript(shell));
  }
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** What the script offers after `line` (the word being completed is the last, possibly empty). */
function complete(shell: 'bash' | 'zsh' | 'fish', line: string): string[] {
  const file = path.join(dir, `dlite.${shell}`);
  const words = line.split(' ');
  const env = { ...process.env, HOME: dir };
  if (shell === 'bash') {
    const script = `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _dlite; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return execFileSync('bash', ['-c', script], { encoding: 'utf8', env }).split('\n').filter(Boolean);
  }
  if (shell === 'zsh') {
    // Outside a completion widget: the builtins that offer candidates print them instead.
    const stubs = [
      'compdef() { :; }',
      'compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }',
      '_describe() { local n=$2; print -l -- "${(@)${(P)n}%%:*}"; }',
      '_files() { print -- "<folders>"; }',
    ].join('\n');
    const script = `${stubs}\nsource ${file}\nwords=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; _dlite`;
    const all = execFileSync('zsh', ['-c', script], { encoding: 'utf8', env }).split('\n').filter(Boolean);
    const cur = words.at(-1) ?? '';
    return all.filter((w) => w.startsWith(cur) || w === '<folders>');
  }
  const out = execFileSync('fish', ['-c', `source ${file}; complete -C${JSON.stringify(line)}`], {
    encoding: 'utf8',
    env,
  });
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t')[0]!);
}

describe.each(['bash', 'zsh', 'fish'] as const)('dlite completion %s', (shell) => {
  it('offers commands, subcommands, setting keys, option values and options', () => {
    expect(complete(shell, 'dlite con')).toEqual(['config']);
    expect(complete(shell, 'dlite config ').sort()).toEqual(['get', 'set']);
    expect(complete(shell, 'dlite config get mem')).toEqual(['memory']);
    expect(complete(shell, 'dlite -p work config set docker').sort()).toEqual([
      'docker_args',
      'docker_socket_link',
      'docker_tcp',
    ]);
    expect(complete(shell, 'dlite env --shell f')).toEqual(['fish']);
    expect(complete(shell, 'dlite completion z')).toEqual(['zsh']);
    expect(complete(shell, 'dlite status --j')).toEqual(['--json']);
    expect(complete(shell, 'dlite install --os-').sort()).toEqual(['--os-dir', '--os-image', '--os-version']);
  });
});

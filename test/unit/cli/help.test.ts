import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { COMMANDS } from '../../../electron/cli/commands.js';
import { runCli } from '../../../electron/cli/run.js';
import { VERSION } from '../../../electron/cli/version.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), isTty: false, env: {} },
  };
}

describe('dlite CLI', () => {
  it('lists every command in --help', async () => {
    const c = capture();
    expect(await runCli(['--help'], c.io)).toBe(0);
    for (const command of COMMANDS) expect(c.out.join('\n')).toContain(`  ${command.usage}`);
  });

  it('rejects an unknown command with one line and exit 2', async () => {
    const c = capture();
    expect(await runCli(['frobnicate'], c.io)).toBe(2);
    expect(c.err).toEqual([
      "dlite: unknown command 'frobnicate'. Run 'dlite --help' for the list of commands.",
    ]);
  });

  it('reports the package version', async () => {
    const pkg = JSON.parse(
      await readFile(path.resolve(import.meta.dirname, '../../../package.json'), 'utf8'),
    ) as { version: string };
    const c = capture();
    expect(await runCli(['--version'], c.io)).toBe(0);
    expect(c.out).toEqual([`dlite ${pkg.version}`]);
    expect(VERSION).toBe(pkg.version);
  });
});

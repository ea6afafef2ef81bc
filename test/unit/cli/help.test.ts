import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { runCli } from '../../../electron/cli/run-cli.js';
import { COMMANDS, GLOBAL_OPTIONS } from '../../../electron/cli/spec.js';
import { VERSION } from '../../../electron/core/version.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      out: (t: string) => out.push(t),
      err: (t: string) => err.push(t),
      isTty: false,
      errIsTty: false,
      env: {},
    },
  };
}

describe('dlite CLI help', () => {
  it('lists every command in --help', async () => {
    const c = capture();
    expect(await runCli(['--help'], c.io)).toBe(0);
    for (const command of COMMANDS) expect(c.out.join('\n')).toContain(`  ${command.name} `);
  });

  it.each(COMMANDS.map((c) => [c.name]))(
    '%s --help lists every option with its meaning and default',
    async (name) => {
      const spec = COMMANDS.find((c) => c.name === name)!;
      const c = capture();
      expect(await runCli([...name.split(' '), '--help'], c.io)).toBe(0);
      const text = c.out.join('\n');
      expect(text).toMatch(new RegExp(`^Usage: dlite ${name}`));
      for (const [long, o] of Object.entries({ ...spec.options, ...GLOBAL_OPTIONS })) {
        const line = text.split('\n').find((l) => l.includes(`--${long}`));
        expect(line, `--${long}`).toBeDefined();
        expect(line).toContain(o.description);
        if (o.short) expect(line).toContain(`-${o.short}, --${long}`);
        if (o.default) expect(line).toContain(`(default: ${o.default})`);
      }
      const viaHelp = capture();
      expect(await runCli(['help', ...name.split(' ')], viaHelp.io)).toBe(0);
      expect(viaHelp.out).toEqual(c.out);
    },
  );

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

import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { quoteArg } from '../../../electron/core/process/command-format.js';
import { openTerminal } from '../../../electron/main/terminal/open-terminal.js';
import {
  appleScriptString,
  buildTerminalLaunch,
  resolveTerminal,
  shellCommandLine,
  sshScript,
  type DliteCommand,
} from '../../../electron/main/terminal/terminal-command.js';

const APP = '/Applications/Dlite.app/Contents/MacOS/Dlite';
const CLI = '/Applications/Dlite.app/Contents/Resources/app/dist/cli/dlite.js';
const dlite: DliteCommand = {
  command: APP,
  args: [CLI, 'ssh'],
  env: { ELECTRON_RUN_AS_NODE: '1', DLITE_HOME: "/Users/Jo O'Neil/.dlite" },
};
const SCRIPT = '/tmp/dlite-ssh-0a1b2c.command';

describe('shell quoting', () => {
  it.each([
    ['plain', 'ssh', 'ssh'],
    ['a path', '/usr/bin/ssh', '/usr/bin/ssh'],
    ['spaces', 'My Files', "'My Files'"],
    ['a quote', "Jo's", "'Jo'\\''s'"],
    ['shell syntax', '$(rm -rf ~); `x` "y" *', '\'$(rm -rf ~); `x` "y" *\''],
    ['empty', '', "''"],
  ])('%s', (_what, word, quoted) => {
    expect(quoteArg(word)).toBe(quoted);
  });

  it('writes the environment before the command, every word quoted', () => {
    expect(shellCommandLine(dlite)).toBe(
      "env ELECTRON_RUN_AS_NODE=1 DLITE_HOME='/Users/Jo O'\\''Neil/.dlite' /Applications/Dlite.app/Contents/MacOS/Dlite /Applications/Dlite.app/Contents/Resources/app/dist/cli/dlite.js ssh",
    );
  });

  it('escapes AppleScript strings', () => {
    expect(appleScriptString('/tmp/a "b" \\c')).toBe('"/tmp/a \\"b\\" \\\\c"');
  });
});

describe('the terminal script, run by a real /bin/sh', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dl-term-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes every argument and variable through unchanged and removes itself', () => {
    const out = path.join(dir, 'out.txt');
    const tricky = ["it's", '$HOME and `x`', 'two  spaces', '"q"'];
    const cmd: DliteCommand = {
      command: '/bin/sh',
      args: ['-c', 'printf "%s|" "$DLITE_HOME" "$@" > "$0"', out, ...tricky],
      env: { DLITE_HOME: "/Users/Jo O'Neil/.dlite" },
    };
    const file = path.join(dir, 'x.command');
    writeFileSync(file, sshScript(cmd));
    chmodSync(file, 0o700);
    execFileSync('/bin/sh', [file]);
    expect(readFileSync(out, 'utf8')).toBe(`/Users/Jo O'Neil/.dlite|${tricky.join('|')}|`);
    expect(existsSync(file)).toBe(false);
  });

  it('keeps the window open on failure and exits with the command’s status', () => {
    const file = path.join(dir, 'fail.command');
    writeFileSync(file, sshScript({ command: '/bin/sh', args: ['-c', 'exit 3'], env: {} }));
    let status = 0;
    let stdout = '';
    try {
      execFileSync('/bin/sh', [file], { input: '\n' });
    } catch (e) {
      status = (e as { status: number }).status;
      stdout = String((e as { stdout: Buffer }).stdout);
    }
    expect(status).toBe(3);
    expect(stdout).toContain('[dlite ssh exited with 3] Press Return to close.');
  });
});

describe('buildTerminalLaunch', () => {
  it.each([
    ['terminal', 'open', ['-a', 'Terminal', SCRIPT]],
    ['ghostty', 'open', ['-na', 'Ghostty', '--args', '-e', SCRIPT]],
    ['wezterm', 'open', ['-na', 'WezTerm', '--args', 'start', '--', SCRIPT]],
    ['x-terminal-emulator', 'x-terminal-emulator', ['-e', SCRIPT]],
    ['gnome-terminal', 'gnome-terminal', ['--', SCRIPT]],
    ['konsole', 'konsole', ['-e', SCRIPT]],
  ] as const)('%s', (terminal, command, args) => {
    const launch = buildTerminalLaunch(terminal, dlite, SCRIPT);
    expect(launch.command).toBe(command);
    expect(launch.args).toEqual(args);
    expect(launch.script.path).toBe(SCRIPT);
    expect(launch.script.content).toContain(shellCommandLine(dlite));
  });

  it('iterm2: AppleScript with the script path as a quoted string', () => {
    const launch = buildTerminalLaunch('iterm2', dlite, '/tmp/a "b".command');
    expect(launch.command).toBe('osascript');
    expect(launch.args).toEqual([
      '-e',
      'tell application "iTerm2"',
      '-e',
      'create window with default profile command "/tmp/a \\"b\\".command"',
      '-e',
      'activate',
      '-e',
      'end tell',
    ]);
  });
});

describe('resolveTerminal', () => {
  it('keeps a choice of this platform and falls back otherwise', () => {
    expect(resolveTerminal('iterm2', 'darwin', () => false)).toBe('iterm2');
    expect(resolveTerminal('konsole', 'darwin', () => true)).toBe('terminal');
    expect(resolveTerminal('auto', 'darwin', () => false)).toBe('terminal');
    expect(resolveTerminal('auto', 'linux', (t) => t === 'gnome-terminal')).toBe('gnome-terminal');
    expect(resolveTerminal('auto', 'linux', () => false)).toBeNull();
  });
});

describe('openTerminal', () => {
  it('writes the script into a fresh file and starts the chosen terminal with it', async () => {
    const written: [string, string][] = [];
    const spawned: [string, readonly string[]][] = [];
    const r = await openTerminal({
      platform: 'darwin',
      dlite: { command: APP, args: [CLI], env: {} },
      terminal: () => 'ghostty',
      installed: () => true,
      writeScript: (f, c) => Promise.resolve(void written.push([f, c])),
      spawnDetached: (c, a) => Promise.resolve(void spawned.push([c, a])),
      tmpDir: '/tmp',
    });
    expect(r).toEqual({ ok: true, value: undefined });
    expect(written[0]?.[0]).toMatch(/^\/tmp\/dlite-ssh-[0-9a-f]{12}\.command$/);
    expect(written[0]?.[1]).toContain(`${APP} ${CLI} ssh`);
    expect(spawned).toEqual([['open', ['-na', 'Ghostty', '--args', '-e', written[0]![0]]]]);
  });

  it('answers not-supported, naming what to run, when Linux has no terminal or it cannot start', async () => {
    const base = {
      dlite,
      installed: () => false,
      writeScript: () => Promise.resolve(),
      spawnDetached: () => Promise.resolve(),
      terminal: () => 'auto' as const,
    };
    const none = await openTerminal({ ...base, platform: 'linux' });
    expect(none.ok || none.error).toMatchObject({
      code: 'not-supported',
      message: expect.stringContaining('dlite ssh'),
    });
    const broken = await openTerminal({
      ...base,
      platform: 'darwin',
      spawnDetached: () => Promise.reject(new Error('spawn open ENOENT')),
    });
    expect(broken.ok || broken.error.message).toBe('Could not open terminal: spawn open ENOENT');
  });
});

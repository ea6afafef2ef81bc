import { quoteArg } from '../../core/process/command-format.js';
import type { TerminalApp } from '../../shared/app-types.js';

/** A terminal that can actually be launched (`auto` resolved). */
export type ResolvedTerminal = Exclude<TerminalApp, 'auto'>;

/** Terminals offered per platform, the default first. */
export const TERMINALS_BY_PLATFORM: Partial<Record<NodeJS.Platform, readonly ResolvedTerminal[]>> = {
  darwin: ['terminal', 'iterm2', 'ghostty', 'wezterm'],
  linux: ['x-terminal-emulator', 'gnome-terminal', 'konsole'],
};

/** The command that runs `dlite`: the executable, its arguments and extra environment. */
export interface DliteCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** How to open a terminal: write `script` (mode 0700) at `script.path`, then run `command args`. */
export interface TerminalLaunch {
  readonly command: string;
  readonly args: readonly string[];
  readonly script: { readonly path: string; readonly content: string };
}

/** A POSIX shell command line running `cmd` with its environment, every word quoted. */
export function shellCommandLine(cmd: DliteCommand): string {
  const env = Object.entries(cmd.env).map(([k, v]) => `${k}=${quoteArg(v)}`);
  const words = [cmd.command, ...cmd.args].map(quoteArg);
  return env.length > 0 ? `env ${env.join(' ')} ${words.join(' ')}` : words.join(' ');
}

/** An AppleScript string literal: backslashes and double quotes escaped. */
export function appleScriptString(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/**
 * The script every terminal runs: it removes itself, runs `dlite ssh`, and keeps the window open
 * on failure so the message can be read. For Terminal.app it is the `.command` file it opens.
 */
export function sshScript(cmd: DliteCommand): string {
  return [
    '#!/bin/sh',
    '# Dlite: a shell in the VM. This file removes itself.',
    'rm -f -- "$0"',
    shellCommandLine(cmd),
    'status=$?',
    `if [ "$status" -ne 0 ]; then printf '\\n[dlite ssh exited with %s] Press Return to close. ' "$status"; read -r _; fi`,
    'exit "$status"',
    '',
  ].join('\n');
}

/**
 * The launch for `terminal` running `dlite ssh` (pure). The script travels as one argv word (no
 * shell between us and the terminal), except into iTerm2's AppleScript, where it is quoted.
 * - Terminal.app: `open -a Terminal file.command` (no Apple Events permission needed);
 * - iTerm2: AppleScript `create window with default profile command`;
 * - Ghostty and WezTerm: `open -na <app> --args` with their "run this" flags (`-e`, `start --`);
 * - Linux: `x-terminal-emulator -e`, `gnome-terminal --`, `konsole -e`.
 */
export function buildTerminalLaunch(
  terminal: ResolvedTerminal,
  cmd: DliteCommand,
  scriptPath: string,
): TerminalLaunch {
  const script = { path: scriptPath, content: sshScript(cmd) };
  const launch = (command: string, args: string[]): TerminalLaunch => ({ command, args, script });
  switch (terminal) {
    case 'terminal':
      return launch('open', ['-a', 'Terminal', scriptPath]);
    case 'iterm2':
      return launch('osascript', [
        '-e',
        'tell application "iTerm2"',
        '-e',
        `create window with default profile command ${appleScriptString(scriptPath)}`,
        '-e',
        'activate',
        '-e',
        'end tell',
      ]);
    case 'ghostty':
      return launch('open', ['-na', 'Ghostty', '--args', '-e', scriptPath]);
    case 'wezterm':
      return launch('open', ['-na', 'WezTerm', '--args', 'start', '--', scriptPath]);
    case 'x-terminal-emulator':
      return launch('x-terminal-emulator', ['-e', scriptPath]);
    case 'gnome-terminal':
      return launch('gnome-terminal', ['--', scriptPath]);
    case 'konsole':
      return launch('konsole', ['-e', scriptPath]);
  }
}

/**
 * The terminal to use (pure): the chosen one when it belongs to this platform, else the first
 * one of the platform that `installed` accepts (Terminal.app is always there on macOS).
 * Null when the platform has none.
 */
export function resolveTerminal(
  choice: TerminalApp,
  platform: NodeJS.Platform,
  installed: (t: ResolvedTerminal) => boolean,
): ResolvedTerminal | null {
  const offered = TERMINALS_BY_PLATFORM[platform] ?? [];
  if (choice !== 'auto' && offered.includes(choice)) return choice;
  if (platform === 'darwin') return 'terminal';
  return offered.find(installed) ?? null;
}

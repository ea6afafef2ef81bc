import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

import type { TerminalApp } from '../../shared/app-types.js';
import { err, ok, type Result } from '../../shared/errors.js';
import {
  buildTerminalLaunch,
  resolveTerminal,
  type DliteCommand,
  type ResolvedTerminal,
} from './terminal-command.js';

/** The side effects of opening a terminal, injected so the flow is testable. */
export interface TerminalDeps {
  readonly platform: NodeJS.Platform;
  /** The command running the bundled `dlite` (`ssh` is appended). */
  readonly dlite: DliteCommand;
  readonly terminal: () => TerminalApp;
  /** True when the terminal's program is on PATH (Linux). */
  readonly installed: (t: ResolvedTerminal) => boolean;
  readonly writeScript: (file: string, content: string) => Promise<void>;
  /** Starts `command args` detached; rejects when it cannot be started. */
  readonly spawnDetached: (command: string, args: readonly string[]) => Promise<void>;
  readonly tmpDir?: string;
}

/**
 * Opens the user's terminal running `dlite ssh` (the contract's `openTerminal`). The script goes to
 * a fresh, unguessable file in the temp folder (`.command`, so Terminal.app runs it) and removes
 * itself when it runs.
 */
export async function openTerminal(deps: TerminalDeps): Promise<Result<void>> {
  const terminal = resolveTerminal(deps.terminal(), deps.platform, deps.installed);
  if (terminal === null) {
    return err(
      'not-supported',
      "No terminal found (x-terminal-emulator, gnome-terminal, konsole): run 'dlite ssh' instead",
    );
  }
  const file = path.join(deps.tmpDir ?? os.tmpdir(), `dlite-ssh-${randomBytes(6).toString('hex')}.command`);
  const cmd: DliteCommand = { ...deps.dlite, args: [...deps.dlite.args, 'ssh'] };
  const launch = buildTerminalLaunch(terminal, cmd, file);
  try {
    await deps.writeScript(launch.script.path, launch.script.content);
    await deps.spawnDetached(launch.command, launch.args);
    return ok(undefined);
  } catch (e) {
    return err('not-supported', `Could not open ${terminal}: ${e instanceof Error ? e.message : String(e)}`, {
      terminal,
    });
  }
}

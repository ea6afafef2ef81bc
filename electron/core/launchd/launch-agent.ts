import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { HOMEBREW_BIN_DIRS } from '../drivers/binary-lookup.js';
import type { DlitePaths } from '../paths.js';
import { run } from '../process/run.js';
import { renderPlist } from './plist.js';

/** The label of the default home's agent. */
export const LAUNCH_AGENT_LABEL = 'io.dlite.daemon';

/** The agent's label: `io.dlite.daemon` for `~/.dlite`, with a short hash of any other home. Pure. */
export function launchAgentLabel(home: string, userHome: string): string {
  if (home === path.join(userHome, '.dlite')) return LAUNCH_AGENT_LABEL;
  return `${LAUNCH_AGENT_LABEL}.${createHash('sha256').update(home).digest('hex').slice(0, 8)}`;
}

export interface LaunchAgentSpec {
  readonly label: string;
  /** The interpreter and the CLI: `[node, dlite.js]`. */
  readonly program: readonly [string, string];
  readonly paths: Pick<DlitePaths, 'home' | 'logDir'>;
}

/**
 * The login agent's property list: runs `dlite daemon --keep-alive` for this home at login
 * (RunAtLoad), restarts it when it exits with an error (KeepAlive SuccessfulExit false), in the
 * GUI session only (Aqua), as a background process, logging to `log/launchd.log`. Pure.
 */
export function launchAgentPlist(s: LaunchAgentSpec): string {
  const log = path.join(s.paths.logDir, 'launchd.log');
  return renderPlist({
    Label: s.label,
    ProgramArguments: [...s.program, 'daemon', '--keep-alive'],
    EnvironmentVariables: {
      DLITE_HOME: s.paths.home,
      // launchd's PATH is minimal; QEMU/vfkit/xhyve from Homebrew must still be found.
      PATH: [...HOMEBREW_BIN_DIRS, '/usr/bin', '/bin', '/usr/sbin', '/sbin'].join(':'),
    },
    RunAtLoad: true,
    KeepAlive: { SuccessfulExit: false },
    LimitLoadToSessionType: 'Aqua',
    ProcessType: 'Background',
    WorkingDirectory: s.paths.home,
    StandardOutPath: log,
    StandardErrorPath: log,
  });
}

/** `~/Library/LaunchAgents/<label>.plist` */
export function launchAgentPath(label: string, userHome: string = os.homedir()): string {
  return path.join(userHome, 'Library', 'LaunchAgents', `${label}.plist`);
}

/** Runs launchctl (injectable for tests). */
export type Launchctl = (args: readonly string[]) => Promise<void>;

const launchctl: Launchctl = async (args) => {
  await run('launchctl', args, { timeoutMs: 15_000 });
};

/**
 * Writes the agent (atomically) and loads it for this login session: `launchctl bootout` of an
 * earlier copy (errors ignored), then `launchctl bootstrap gui/<uid>` (Lima's autostart). Resolves
 * the plist path.
 */
export async function installLaunchAgent(
  s: LaunchAgentSpec,
  o: { userHome?: string; uid?: number; launchctl?: Launchctl } = {},
): Promise<string> {
  const file = launchAgentPath(s.label, o.userHome);
  const uid = o.uid ?? process.getuid?.() ?? 501;
  const ctl = o.launchctl ?? launchctl;
  await mkdir(path.dirname(file), { recursive: true });
  await mkdir(s.paths.logDir, { recursive: true, mode: 0o700 });
  await writeFile(`${file}.tmp`, launchAgentPlist(s), { mode: 0o644 });
  await rename(`${file}.tmp`, file);
  await ctl(['bootout', `gui/${uid}/${s.label}`]).catch(() => undefined);
  await ctl(['bootstrap', `gui/${uid}`, file]);
  return file;
}

/** Unloads and removes the agent; resolves whether there was one. Idempotent. */
export async function removeLaunchAgent(
  label: string,
  o: { userHome?: string; uid?: number; launchctl?: Launchctl } = {},
): Promise<boolean> {
  const file = launchAgentPath(label, o.userHome);
  const uid = o.uid ?? process.getuid?.() ?? 501;
  await (o.launchctl ?? launchctl)(['bootout', `gui/${uid}/${label}`]).catch(() => undefined);
  try {
    await rm(file);
    return true;
  } catch {
    return false;
  }
}

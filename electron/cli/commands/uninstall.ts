import { readdir, rm, rmdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';

import { removeDockerContext } from '../../core/docker-context/docker-context.js';
import { readHomeManifest } from '../../core/home.js';
import { settingsAccess } from '../../core/host/compose.js';
import { readHostRecord } from '../../core/host/host-lock.js';
import { helperCommandFor } from '../../core/integration/create-host-integration.js';
import { removeHostIntegration } from '../../core/integration/removal.js';
import { createSystemRunner } from '../../core/integration/runner.js';
import { sudoPromptExec } from '../../core/integration/sudo-prompt.js';
import { launchAgentLabel, removeLaunchAgent } from '../../core/launchd/launch-agent.js';
import type { DlitePaths } from '../../core/paths.js';
import { isAlive, killProcess, processCommandLine, readPidfile } from '../../core/vm/pidfile.js';
import { CliError, UsageError, unwrap, using, type CliContext } from '../context.js';
import type { ParsedCommand } from '../parse.js';

/** Stops the VM through its daemon, ends the daemon, and kills an orphan hypervisor of this disk. */
async function stopEverything(ctx: CliContext): Promise<void> {
  const { paths } = ctx;
  const host = await ctx.runningHost();
  if (host !== null) await using(host, async (api) => unwrap(await api.stop()));
  const holder = await readHostRecord(paths.daemonPid);
  if (holder !== null && (await isAlive(holder.pid))) await killProcess(holder.pid, 40_000);
  const vmPid = await readPidfile(paths.vmPid).catch(() => null);
  if (vmPid !== null && (await isAlive(vmPid)) && (await processCommandLine(vmPid))?.includes(paths.disk)) {
    await killProcess(vmPid, 10_000);
  }
}

async function confirm(ctx: CliContext): Promise<boolean> {
  if (!ctx.io.isTty || !process.stdin.isTTY) {
    throw new UsageError(
      `dlite uninstall: this deletes the VM and its disk in ${ctx.paths.home}; pass --yes to confirm`,
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(
      `Delete the Dlite VM, its disk and every Dlite file in ${ctx.paths.home}? [y/N] `,
    );
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Removes `name` from the home; for `run`, also the short run folder it links to. */
async function removeEntry(paths: DlitePaths, name: string): Promise<void> {
  if (name === 'run' && paths.runLink !== null) await rm(paths.runDir, { recursive: true, force: true });
  await rm(path.join(paths.home, name), { recursive: true, force: true });
  if (name === 'config.json') {
    // Backups and moved-aside copies of Dlite's own file are Dlite's too.
    for (const sibling of await readdir(paths.home).catch(() => [] as string[])) {
      if (/^config\.json\.(bak(-v\d+)?|invalid-.+|tmp-\d+)$/.test(sibling)) {
        await rm(path.join(paths.home, sibling), { force: true });
      }
    }
  }
}

/**
 * `dlite uninstall [--yes]`: stops the VM and removes what this home's manifest says Dlite created,
 * and the home's docker context only when it points at this home's socket. Nothing else.
 */
export async function uninstallCommand(cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  const { paths, io } = ctx;
  const manifest = await readHomeManifest(paths);
  if (manifest === null) {
    throw new CliError(
      `${paths.home} is not a Dlite home (it has no .dlite-manifest.json); nothing was removed`,
    );
  }
  if (!cmd.options['yes'] && !(await confirm(ctx))) {
    io.err('Nothing was removed.');
    return 1;
  }
  const access = settingsAccess(paths, io.env);
  const uuid = await access.repo
    .inspect(await access.context())
    .then((r) => r.settings.uuid)
    .catch(() => null);
  await stopEverything(ctx);
  if (process.platform === 'darwin') {
    const label = launchAgentLabel(paths.home, io.env['HOME'] ?? homedir());
    if (await removeLaunchAgent(label)) io.err(`Removed the login agent ${label}.`);
  }
  if (uuid !== null) {
    const runner = createSystemRunner(helperCommandFor(io.env), sudoPromptExec);
    const host = await removeHostIntegration(uuid, paths.dockerSocket, runner);
    for (const line of host.removed) io.err(`Removed: ${line}`);
    if (host.problem) io.err(`warning: ${host.problem}`);
  }
  const context = await removeDockerContext({ name: paths.dockerContext, socketPath: paths.dockerSocket });
  if (context.warning) io.err(`warning: ${context.warning}`);
  if (context.status === 'foreign') {
    io.err(
      `Left the docker context '${paths.dockerContext}': it points at ${context.endpoint}, not this home.`,
    );
  }
  for (const name of manifest.entries) await removeEntry(paths, name);
  await rm(paths.manifest, { force: true });
  if (manifest.createdHome) await rmdir(paths.home).catch(() => undefined);
  const removed = manifest.entries.length > 0 ? manifest.entries.join(', ') : 'nothing';
  io.out(
    `Dlite is uninstalled: removed ${removed} from ${paths.home}${context.status === 'removed' ? ` and the docker context '${paths.dockerContext}'` : ''}.`,
  );
  return 0;
}

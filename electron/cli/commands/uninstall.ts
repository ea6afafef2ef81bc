import { readdir, rm, rmdir } from 'node:fs/promises';
import os from 'node:os';
import { createInterface } from 'node:readline/promises';

import { createControlClient } from '../../core/control/client.js';
import { readHostRecord } from '../../core/daemon/host-lock.js';
import { removeDockerContext } from '../../core/docker/context.js';
import { helperCommandFor } from '../../core/integration/compose.js';
import { removeHostIntegration } from '../../core/integration/removal.js';
import { createSystemRunner } from '../../core/integration/runner.js';
import { sudoPromptExec } from '../../core/integration/sudo-prompt.js';
import { launchAgentLabel, removeLaunchAgent } from '../../core/launchd/launch-agent.js';
import { SettingsRepository, hostValidationContext } from '../../core/settings/repository.js';
import type { DlitePaths } from '../../core/paths.js';
import { isAlive, killProcess, processCommandLine, readPidfile } from '../../core/vm/pidfile.js';
import { CliError, cliPaths, unwrap } from '../client.js';
import type { CliIo } from '../commands.js';
import { UsageError, parseFlags } from '../flags.js';

/** What Dlite creates in its home; nothing else there is touched. */
const OWNED = [/^config\.json(\..+)?$/, /^disk\.img$/, /^os$/, /^ssh$/, /^run$/, /^log$/];

/** Stops the VM through its host, ends a headless daemon, and kills an orphan hypervisor of this disk. */
async function stopEverything(paths: DlitePaths): Promise<void> {
  const holder = await readHostRecord(paths.daemonPid);
  const client = createControlClient(paths.controlSocket);
  const status = await client.status();
  if (status.ok) {
    if (holder?.role === 'app') throw new CliError('Quit the Dlite menu-bar app first: it hosts this VM');
    unwrap(await client.stop());
  }
  if (holder !== null && holder.role === 'daemon' && (await isAlive(holder.pid))) {
    await killProcess(holder.pid, 40_000);
  }
  const vmPid = await readPidfile(paths.vmPid);
  if (vmPid !== null && (await isAlive(vmPid)) && (await processCommandLine(vmPid))?.includes(paths.disk)) {
    await killProcess(vmPid, 10_000);
  }
}

async function confirm(io: CliIo, paths: DlitePaths): Promise<boolean> {
  if (!io.isTty || !process.stdin.isTTY) {
    throw new UsageError(
      `dlite uninstall: this deletes the VM and its disk in ${paths.home}; pass --yes to confirm`,
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(
      `Delete the Dlite VM, its disk and every Dlite file in ${paths.home}? [y/N] `,
    );
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** `dlite uninstall [--yes]`: stops the VM and removes everything Dlite created. */
export async function uninstallCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { flags } = parseFlags('uninstall', args, { yes: { short: 'y', value: false } });
  const paths = cliPaths(io);
  if (!flags['yes'] && !(await confirm(io, paths))) {
    io.err('Nothing was removed.');
    return 1;
  }
  const uuid = await new SettingsRepository(paths)
    .load(await hostValidationContext(paths))
    .then((s) => s.uuid)
    .catch(() => null);
  await stopEverything(paths);
  if (process.platform === 'darwin') {
    const label = launchAgentLabel(paths.home, io.env['HOME'] ?? os.homedir());
    if (await removeLaunchAgent(label)) io.err(`Removed the login agent ${label}.`);
  }
  if (uuid !== null) {
    const runner = createSystemRunner(helperCommandFor(io.env), sudoPromptExec);
    const host = await removeHostIntegration(uuid, paths.dockerSocket, runner);
    for (const line of host.removed) io.err(`Removed: ${line}`);
    if (host.problem) io.err(`warning: ${host.problem}`);
  }
  const context = await removeDockerContext();
  if (context.warning) io.err(`warning: ${context.warning}`);
  const entries = await readdir(paths.home).catch(() => [] as string[]);
  const removed = entries.filter((name) => OWNED.some((re) => re.test(name)));
  for (const name of removed) await rm(`${paths.home}/${name}`, { recursive: true, force: true });
  await rmdir(paths.home).catch(() => undefined);
  io.out(
    `Dlite is uninstalled: removed ${removed.length > 0 ? removed.join(', ') : 'nothing'} from ${paths.home}${context.removed ? " and the docker context 'dlite'" : ''}.`,
  );
  return 0;
}

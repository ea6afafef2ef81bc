import { homedir } from 'node:os';

import { installLaunchAgent, launchAgentLabel } from '../../core/launchd/launch-agent.js';
import { isReleaseVersion } from '../../core/os-image/release-version.js';
import { installDlite } from '../../core/host/install.js';
import { killProcess } from '../../core/vm/pidfile.js';
import { CliError, UsageError, unwrap, using, type CliContext } from '../context.js';
import { intOption, type ParsedCommand } from '../parse.js';
import { createTransferView } from '../transfer-view.js';

/** The settings the flags change, as a patch. */
function overrides(cmd: ParsedCommand): Record<string, unknown> {
  const o = cmd.options;
  const patch: Record<string, unknown> = {};
  const cpus = intOption(cmd.spec, 'cpus', o['cpus']);
  const memory = intOption(cmd.spec, 'memory', o['memory']);
  const disk = intOption(cmd.spec, 'disk', o['disk']);
  if (cpus !== undefined) patch['cpu_count'] = cpus;
  if (memory !== undefined) patch['memory'] = memory;
  if (disk !== undefined) patch['disk_size'] = disk;
  if (typeof o['hostname'] === 'string') patch['hostname'] = o['hostname'];
  if (typeof o['share'] === 'string') patch['share'] = o['share'];
  if (typeof o['channel'] === 'string') patch['os_channel_url'] = o['channel'];
  return patch;
}

/**
 * Ends an idle daemon of this home, so install writes its files with no host running (the one
 * time settings are written by anyone but the daemon). Refuses while the VM runs.
 */
async function endIdleDaemon(ctx: CliContext): Promise<void> {
  const host = await ctx.runningHost();
  if (host === null) return;
  const status = await using(host, async (api) => unwrap(await api.status()));
  if (status.state !== 'stopped' && status.state !== 'error') {
    throw new CliError(`Dlite is ${status.state}: stop it first ('${ctx.self} stop'), then install`);
  }
  if (status.hostPid !== null) await killProcess(status.hostPid, 10_000);
}

/** `dlite install`: settings, SSH key, sparse disk and OS image. Idempotent; flags change the settings. */
export async function installCommand(cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  const { paths, io } = ctx;
  const version = cmd.options['os-version'] as string | undefined;
  if (version !== undefined && version !== 'latest' && !isReleaseVersion(version)) {
    throw new UsageError(
      `${ctx.self} install: --os-version must be a release version such as 0.2.0, got '${version}'`,
    );
  }
  const osDir = (cmd.options['os-dir'] ?? cmd.options['os-image']) as string | undefined;
  const agent = cmd.options['launch-agent'] === true;
  if (agent && process.platform !== 'darwin') {
    throw new UsageError(
      `${ctx.self} install: --launch-agent writes a launchd login agent, which exists only on macOS`,
    );
  }
  const patch = overrides(cmd);
  await endIdleDaemon(ctx);
  const view = createTransferView(io, { indent: '    ' });
  let r;
  try {
    r = await installDlite(paths, patch, {
      env: io.env,
      ...(osDir !== undefined ? { osDir } : {}),
      ...(version !== undefined ? { version } : {}),
      onStep: (_step, index, detail) => io.err(`[${index + 1}/4] ${detail}`),
      onNote: (note) => io.err(`warning: ${note}`),
      onProgress: (p) => view.update(p),
    });
  } finally {
    view.done();
  }
  const { settings, problems, os } = r;
  for (const p of problems) io.err(`${p.severity === 'error' ? 'problem' : 'warning'}: ${p.message}`);
  const origin =
    os.source === 'present'
      ? 'already installed'
      : os.source === 'local'
        ? `from ${osDir ?? os.from}`
        : `from ${os.from}`;
  io.out(
    `Dlite is installed in ${paths.home}: ${settings.cpu_count} CPU, ${settings.memory} GiB memory, ${settings.disk_size} GiB disk, ` +
      `DhyveOS ${os.version} (${origin}). Run '${ctx.self} start'.`,
  );
  if (agent) {
    const entry = io.env['DLITE_CLI_ENTRY'] ?? process.argv[1] ?? '';
    const file = await installLaunchAgent({
      label: launchAgentLabel(paths.home, io.env['HOME'] ?? homedir()),
      program: [process.execPath, entry],
      paths,
    });
    io.out(`The Dlite daemon now starts at login (${file}); '${ctx.self} uninstall' removes it.`);
  }
  return 0;
}

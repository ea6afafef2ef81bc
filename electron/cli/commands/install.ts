import os from 'node:os';

import { installLaunchAgent, launchAgentLabel } from '../../core/launchd/launch-agent.js';
import { installFromCandidates, imageSourceCandidates } from '../../core/os-image/store.js';
import { SettingsRepository, hostValidationContext } from '../../core/settings/repository.js';
import { ensureSshKey } from '../../core/ssh/keys.js';
import { ensureDisk } from '../../core/vm/disk.js';
import { cliPaths } from '../client.js';
import type { CliIo } from '../commands.js';
import { intFlag, parseFlags, UsageError } from '../flags.js';

/** The original dlite's install flags, plus `--os-image DIR`. */
const INSTALL_FLAGS = {
  cpus: { short: 'c', value: true },
  memory: { short: 'm', value: true },
  disk: { short: 'd', value: true },
  hostname: { short: 'n', value: true },
  share: { short: 'S', value: true },
  'os-version': { short: 'v', value: true },
  'os-image': { value: true },
  'launch-agent': { value: false },
} as const;

/** `dlite install`: config, SSH key, sparse disk and OS image. Idempotent; flags change the config. */
export async function installCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags('install', args, INSTALL_FLAGS);
  if (positional.length > 0) throw new UsageError(`dlite install: unexpected argument '${positional[0]}'`);
  const overrides: Record<string, unknown> = {};
  const cpus = intFlag('install', 'cpus', flags['cpus']);
  const memory = intFlag('install', 'memory', flags['memory']);
  const disk = intFlag('install', 'disk', flags['disk']);
  if (cpus !== undefined) overrides['cpu_count'] = cpus;
  if (memory !== undefined) overrides['memory'] = memory;
  if (disk !== undefined) overrides['disk_size'] = disk;
  if (typeof flags['hostname'] === 'string') overrides['hostname'] = flags['hostname'];
  if (typeof flags['share'] === 'string') overrides['share'] = flags['share'];
  const version = typeof flags['os-version'] === 'string' ? flags['os-version'] : undefined;
  const explicitImage = typeof flags['os-image'] === 'string' ? flags['os-image'] : undefined;
  const agent = flags['launch-agent'] === true;
  if (agent && process.platform !== 'darwin') {
    throw new UsageError(
      'dlite install: --launch-agent writes a launchd login agent, which exists only on macOS',
    );
  }

  const paths = cliPaths(io);
  const step = (n: number, text: string): void => io.err(`[${n}/4] ${text}`);
  step(1, `Writing settings to ${paths.config}`);
  const settings = await new SettingsRepository(paths).init(overrides, await hostValidationContext(paths));
  step(2, 'Creating the SSH key');
  await ensureSshKey(paths);
  step(3, `Creating the ${settings.disk_size} GiB disk (sparse)`);
  await ensureDisk(paths.disk, settings.disk_size);
  step(4, 'Installing the DhyveOS image');
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const { image, status } = await installFromCandidates(
    paths,
    imageSourceCandidates(io.env, arch, explicitImage),
    version,
  );
  io.out(
    `Dlite is installed in ${paths.home}: ${settings.cpu_count} CPU, ${settings.memory} GiB memory, ${settings.disk_size} GiB disk, ` +
      `DhyveOS ${image.manifest.version} (${status === 'cached' ? 'already present' : 'installed'}). Run 'dlite start'.`,
  );
  if (agent) {
    const entry = io.env['DLITE_CLI_ENTRY'] ?? process.argv[1] ?? '';
    const file = await installLaunchAgent({
      label: launchAgentLabel(paths.home, io.env['HOME'] ?? os.homedir()),
      program: [process.execPath, entry],
      paths,
    });
    io.out(`The Dlite daemon now starts at login (${file}); 'dlite uninstall' removes it.`);
  }
  return 0;
}

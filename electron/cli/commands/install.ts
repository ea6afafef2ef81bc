import { hostArch } from '../../core/daemon/compose.js';
import { installOs } from '../../core/os-image/install-os.js';
import { isReleaseVersion } from '../../core/os-image/version.js';
import { SettingsRepository, hostValidationContext } from '../../core/settings/repository.js';
import { ensureSshKey } from '../../core/ssh/keys.js';
import { ensureDisk } from '../../core/vm/disk.js';
import { VERSION } from '../../core/version.js';
import { cliPaths } from '../client.js';
import type { CliIo } from '../commands.js';
import { intFlag, parseFlags, UsageError } from '../flags.js';
import { createTransferView } from '../transfer-view.js';

/**
 * The original dlite's install flags, plus `--os-dir DIR` (a local build; `--os-image` is its
 * older name) and `--channel URL` (sets `os_channel_url`).
 */
const INSTALL_FLAGS = {
  cpus: { short: 'c', value: true },
  memory: { short: 'm', value: true },
  disk: { short: 'd', value: true },
  hostname: { short: 'n', value: true },
  share: { short: 'S', value: true },
  'os-version': { short: 'v', value: true },
  'os-dir': { value: true },
  channel: { value: true },
  'os-image': { value: true },
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
  if (typeof flags['channel'] === 'string') overrides['os_channel_url'] = flags['channel'];
  const version = typeof flags['os-version'] === 'string' ? flags['os-version'] : undefined;
  if (version !== undefined && version !== 'latest' && !isReleaseVersion(version)) {
    throw new UsageError(
      `dlite install: --os-version must be a release version such as 0.2.0, got '${version}'`,
    );
  }
  const dirFlag = flags['os-dir'] ?? flags['os-image'];
  const osDir = typeof dirFlag === 'string' ? dirFlag : undefined;

  const paths = cliPaths(io);
  const step = (n: number, text: string): void => io.err(`[${n}/4] ${text}`);
  step(1, `Writing settings to ${paths.config}`);
  const settings = await new SettingsRepository(paths).init(overrides, await hostValidationContext(paths));
  step(2, 'Creating the SSH key');
  await ensureSshKey(paths);
  step(3, `Creating the ${settings.disk_size} GiB disk (sparse)`);
  await ensureDisk(paths.disk, settings.disk_size);
  step(4, 'Installing the DhyveOS image');
  const view = createTransferView(io, { indent: '    ' });
  let os;
  try {
    os = await installOs({
      paths,
      arch: hostArch(),
      env: io.env,
      settings,
      dliteVersion: VERSION,
      ...(osDir !== undefined ? { osDir } : {}),
      ...(version !== undefined ? { version } : {}),
      onProgress: (p) => view.update(p),
    });
  } finally {
    view.done();
  }
  const origin =
    os.source === 'present'
      ? 'already installed'
      : os.source === 'local'
        ? `from ${osDir ?? os.from}`
        : `from ${os.from}`;
  io.out(
    `Dlite is installed in ${paths.home}: ${settings.cpu_count} CPU, ${settings.memory} GiB memory, ${settings.disk_size} GiB disk, ` +
      `DhyveOS ${os.version} (${origin}). Run 'dlite start'.`,
  );
  return 0;
}

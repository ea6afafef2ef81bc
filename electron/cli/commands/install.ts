import { INSTALL_STEPS, installDlite } from '../../core/setup/install.js';
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

  const paths = cliPaths(io);
  const { settings, image, status } = await installDlite(paths, overrides, {
    env: io.env,
    ...(explicitImage === undefined ? {} : { imageDir: explicitImage }),
    ...(version === undefined ? {} : { version }),
    onStep: (_step, index, detail) => io.err(`[${index + 1}/${INSTALL_STEPS.length}] ${detail}`),
  });
  io.out(
    `Dlite is installed in ${paths.home}: ${settings.cpu_count} CPU, ${settings.memory} GiB memory, ${settings.disk_size} GiB disk, ` +
      `DhyveOS ${image.manifest.version} (${status === 'cached' ? 'already present' : 'installed'}). Run 'dlite start'.`,
  );
  return 0;
}

import { statfs } from 'node:fs/promises';

import type { Result } from '../../shared/errors.js';
import type { Settings, VmStatus } from '../../shared/types.js';
import { DockerApi } from '../../core/docker-api/docker-api.js';
import { appResourcesDir } from '../../core/drivers/binary-lookup.js';
import { macDriverChecks } from '../../core/drivers/mac-checks.js';
import { availableDrivers, selectDriver } from '../../core/drivers/registry.js';
import { detectAccelerator } from '../../core/drivers/qemu/accel.js';
import { resolveQemuBinary } from '../../core/drivers/qemu/binary.js';
import { QemuDriver } from '../../core/drivers/qemu/qemu-driver.js';
import { checkDockerTools, systemDockerRunner } from '../../core/host-tools/docker-tools.js';
import { driverFor } from '../../core/host/compose.js';
import { describeCapabilities } from '../../core/idle/capabilities.js';
import { verifyImageDir } from '../../core/os-image/manifest.js';
import { locateInstalledImage } from '../../core/os-image/store.js';
import { overlongSockets } from '../../core/paths.js';
import { hostArch } from '../../core/platform.js';
import { run } from '../../core/process/run.js';
import { unwrap, using, type CliContext } from '../context.js';
import type { ParsedCommand } from '../parse.js';

type Level = 'ok' | 'warn' | 'fail';
interface Check {
  readonly name: string;
  readonly level: Level;
  readonly detail: string;
}

const MIN_FREE_BYTES = 5 * 1024 ** 3;
const MARK: Record<Level, string> = { ok: '✓', warn: '!', fail: '✗' };

async function onPath(binary: string): Promise<string | null> {
  try {
    return (
      (await run('sh', ['-c', 'command -v "$1"', 'sh', binary], { timeoutMs: 5_000 })).stdout.trim() || null
    );
  } catch {
    return null;
  }
}

async function check(name: string, fn: () => Promise<Omit<Check, 'name'>>): Promise<Check> {
  try {
    return { name, ...(await fn()) };
  } catch (e) {
    return { name, level: 'fail', detail: e instanceof Error ? e.message : String(e) };
  }
}

/** Status and settings from the daemon when one runs (and whether one does), else from the files. */
async function current(
  ctx: CliContext,
): Promise<{ status: VmStatus; settings: Result<Settings>; daemon: boolean }> {
  const host = await ctx.runningHost();
  if (host === null) {
    const offline = await ctx.offline();
    return { status: await offline.status(), settings: await offline.getSettings(), daemon: false };
  }
  return using(host, async (api) => ({
    status: unwrap(await api.status()),
    settings: await api.getSettings(),
    daemon: true,
  }));
}

const HOST = { platform: process.platform, arch: process.arch };

/** The chosen driver's share, memory return and suspend, as checks (none when it cannot run here). */
function capabilityChecks(ctx: CliContext, settings: Settings | null): Check[] {
  try {
    const driver = driverFor(ctx.paths, settings, ctx.io.env);
    const found = driver instanceof QemuDriver ? driver.virtiofsd : null;
    return describeCapabilities(driver.info, found?.reason ?? null, {
      restartToFreeMemory: settings?.restart_to_free_memory ?? false,
      ...(found?.path && found.limit ? { shareLimit: found.limit } : {}),
    });
  } catch {
    return [];
  }
}

/** The hypervisor the settings select here, found the way its driver finds it. */
async function hypervisorChecks(ctx: CliContext, settings: Settings | null): Promise<Check[]> {
  const name = selectDriver(settings?.hypervisor ?? 'auto', HOST, availableDrivers(HOST, ctx.io.env));
  if (name !== 'qemu') {
    const resourcesDir = appResourcesDir(ctx.io.env['DLITE_CLI_ENTRY'] ?? process.argv[1]);
    const binaries = settings ?? { xhyve_binary: '', vfkit_binary: '' };
    return macDriverChecks(name, binaries, { host: HOST, env: ctx.io.env, resourcesDir });
  }
  let binary = '';
  return [
    await check('hypervisor', async () => {
      binary = await resolveQemuBinary(hostArch(), ctx.io.env);
      return { level: 'ok', detail: `qemu: ${binary}` };
    }),
    await check('accelerator', async () => {
      if (binary === '') return { level: 'fail', detail: 'no QEMU to ask' };
      const accel = await detectAccelerator(binary);
      return { level: accel.accel === 'tcg' ? 'warn' : 'ok', detail: `${accel.accel} (${accel.reason})` };
    }),
  ];
}

/** `dlite doctor [--json]`: what this machine needs to run the VM, one line each; exit 1 if anything fails. */
export async function doctorCommand(cmd: ParsedCommand, ctx: CliContext): Promise<number> {
  const { paths } = ctx;
  const { status: s, settings, daemon } = await current(ctx);
  const checks: Check[] = [
    settings.ok
      ? {
          name: 'settings',
          level: 'ok',
          detail: `${paths.config}: ${settings.value.cpu_count} CPU, ${settings.value.memory} GiB, hypervisor ${settings.value.hypervisor}`,
        }
      : { name: 'settings', level: 'fail', detail: settings.error.message },
    // An unusable file is the settings check's failure; a usable one may still not fit this machine.
    // The hypervisor check below says what is wrong with the hypervisor, once.
    ...(settings.ok ? s.problems.filter((p) => p.field !== 'hypervisor') : []).map((p): Check => ({
      name: `setting ${p.field}`,
      level: p.severity === 'error' ? 'fail' : 'warn',
      detail: p.message,
    })),
    ...(await hypervisorChecks(ctx, settings.ok ? settings.value : null)),
    ...capabilityChecks(ctx, settings.ok ? settings.value : null),
  ];
  const hypervisor = selectDriver(
    settings.ok ? settings.value.hypervisor : 'auto',
    HOST,
    availableDrivers(HOST, ctx.io.env),
  );
  // xhyve and vfkit report kern.hv_support in their own checks.
  if (process.platform === 'darwin' && hypervisor === 'qemu') {
    checks.push(
      await check('kern.hv_support', async () => {
        const v = (await run('sysctl', ['-n', 'kern.hv_support'], { timeoutMs: 5_000 })).stdout.trim();
        return v === '1'
          ? { level: 'ok', detail: '1' }
          : { level: 'fail', detail: `${v}: this Mac has no Hypervisor.framework support` };
      }),
    );
  }
  checks.push(
    await check('disk space', async () => {
      const fs = await statfs(paths.home).catch(() => statfs('/'));
      const free = fs.bavail * fs.bsize;
      const text = `${(free / 1024 ** 3).toFixed(1)} GiB free for ${paths.home}`;
      return { level: free < MIN_FREE_BYTES ? 'warn' : 'ok', detail: text };
    }),
    await check('OS image', async () => {
      const image = await locateInstalledImage(paths, hostArch());
      await verifyImageDir(image.dir, image.manifest, { digests: false });
      return {
        level: 'ok',
        detail: `DhyveOS ${image.manifest.version} (kernel ${image.manifest.kernelVersion}, docker ${image.manifest.dockerVersion})`,
      };
    }),
    await check('ssh', async () => {
      const [ssh, keygen] = await Promise.all([onPath('ssh'), onPath('ssh-keygen')]);
      return ssh && keygen
        ? { level: 'ok', detail: ssh }
        : { level: 'fail', detail: 'ssh or ssh-keygen not found (Debian: apt-get install openssh-client)' };
    }),
    await check('sockets', () => {
      const long = overlongSockets(paths);
      if (long.length > 0) {
        return Promise.resolve({ level: 'fail', detail: `${long[0]} is too long for a unix socket` });
      }
      const where = paths.runLink === null ? paths.runDir : `${paths.runDir} (linked from ${paths.runLink})`;
      return Promise.resolve({ level: 'ok', detail: where });
    }),
    {
      name: 'daemon',
      level: 'ok',
      detail: daemon ? `pid ${s.hostPid}, VM ${s.state}` : `not running (started on demand); VM ${s.state}`,
    },
  );
  for (const t of await checkDockerTools(systemDockerRunner(ctx.io.env))) {
    checks.push({ name: t.label, level: t.version === null ? 'warn' : 'ok', detail: t.detail });
  }
  if (s.state === 'running') {
    checks.push(
      await check('docker socket', async () => {
        const pong = await new DockerApi(paths.dockerSocket).ping({ timeoutMs: 5_000 });
        return { level: pong === 'OK' ? 'ok' : 'fail', detail: `${paths.dockerSocket}: /_ping ${pong}` };
      }),
    );
  }
  const failed = checks.some((c) => c.level === 'fail');
  if (cmd.options['json']) ctx.io.out(JSON.stringify({ ok: !failed, checks }, null, 2));
  else for (const c of checks) ctx.io.out(`${MARK[c.level]} ${c.name}: ${c.detail}`);
  return failed ? 1 : 0;
}

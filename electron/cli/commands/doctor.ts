import { statfs } from 'node:fs/promises';

import { createControlClient } from '../../core/control/client.js';
import { DockerApi } from '../../core/docker/api.js';
import { detectAccelerator } from '../../core/drivers/qemu/accel.js';
import { QemuDriver } from '../../core/drivers/qemu/qemu-driver.js';
import { createDriver, selectDriver } from '../../core/drivers/registry.js';
import { describeCapabilities } from '../../core/idle/capabilities.js';
import type { DlitePaths } from '../../core/paths.js';
import { verifyImageDir } from '../../core/os-image/manifest.js';
import { locateInstalledImage } from '../../core/os-image/store.js';
import { run } from '../../core/process/run.js';
import { SettingsRepository, hostValidationContext } from '../../core/settings/repository.js';
import { cliPaths } from '../client.js';
import type { CliIo } from '../commands.js';
import { parseFlags } from '../flags.js';

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

/** The chosen driver's share, memory return and suspend, as checks. */
async function capabilityChecks(paths: DlitePaths, env: NodeJS.ProcessEnv): Promise<Check[]> {
  try {
    const s = await new SettingsRepository(paths).load(await hostValidationContext(paths));
    const driver = createDriver(
      selectDriver(s.hypervisor, { platform: process.platform, arch: process.arch }),
      paths,
      {
        env,
      },
    );
    const note = driver instanceof QemuDriver ? driver.virtiofsd.reason : null;
    return describeCapabilities(driver.info, note);
  } catch {
    return [];
  }
}

/** `dlite doctor`: what this machine needs to run the VM, each as one line; exit 1 if anything fails. */
export async function doctorCommand(args: readonly string[], io: CliIo): Promise<number> {
  parseFlags('doctor', args, {});
  const paths = cliPaths(io);
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const qemuBinary = io.env['DLITE_QEMU'] ?? `qemu-system-${arch === 'arm64' ? 'aarch64' : 'x86_64'}`;
  const checks: Check[] = [];
  checks.push(
    await check('settings', async () => {
      const s = await new SettingsRepository(paths).load(await hostValidationContext(paths));
      return {
        level: 'ok',
        detail: `${paths.config}: ${s.cpu_count} CPU, ${s.memory} GiB, hypervisor ${s.hypervisor}`,
      };
    }),
    await check('hypervisor', async () => {
      const found = await onPath(qemuBinary);
      return found
        ? { level: 'ok', detail: `${qemuBinary} at ${found}` }
        : {
            level: 'fail',
            detail: `${qemuBinary} not found: install QEMU (Debian: apt-get install qemu-system-x86)`,
          };
    }),
    await check('accelerator', async () => {
      const accel = await detectAccelerator(qemuBinary);
      return { level: accel.accel === 'tcg' ? 'warn' : 'ok', detail: `${accel.accel} (${accel.reason})` };
    }),
  );
  if (process.platform === 'darwin') {
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
    ...(await capabilityChecks(paths, io.env)),
    await check('OS image', async () => {
      const image = await locateInstalledImage(paths, arch);
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
    await check('docker CLI', async () => {
      const docker = await onPath('docker');
      return docker
        ? { level: 'ok', detail: docker }
        : { level: 'warn', detail: 'docker CLI not found: install it to use the engine from this machine' };
    }),
  );
  const client = createControlClient(paths.controlSocket);
  const status = await client.status();
  checks.push(
    status.ok
      ? {
          name: 'control socket',
          level: 'ok',
          detail: `${paths.controlSocket} (VM ${status.value.state}, host pid ${status.value.hostPid})`,
        }
      : { name: 'control socket', level: 'ok', detail: 'no daemon running (started on demand)' },
  );
  if (status.ok && status.value.state === 'running') {
    checks.push(
      await check('docker socket', async () => {
        const pong = await new DockerApi(paths.dockerSocket).ping({ timeoutMs: 5_000 });
        return { level: pong === 'OK' ? 'ok' : 'fail', detail: `${paths.dockerSocket}: /_ping ${pong}` };
      }),
    );
  }
  for (const c of checks) io.out(`${MARK[c.level]} ${c.name}: ${c.detail}`);
  return checks.some((c) => c.level === 'fail') ? 1 : 0;
}

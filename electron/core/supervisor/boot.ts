import type { Settings, SettingsKey, SettingsProblem } from '../../shared/types.js';
import type { ExitInfo, HypervisorDriver, RunningVm } from '../drivers/driver.js';
import type { Logger } from '../log/logger.js';
import { killProcess } from '../vm/pidfile.js';
import { StepError } from './step-error.js';
import type { Boot } from './status.js';

export type { Boot } from './status.js';

/** Timeouts (ms) of the start pipeline and of stops. */
export const TIMEOUTS = {
  ssh: 180_000,
  docker: 120_000,
  stop: 30_000,
  /** Tearing down a failed or cancelled boot: the guest may not handle ACPI yet. */
  teardown: 5_000,
} as const;

/** The VM process ended while the boot was under way. */
export class VmExitedError extends Error {
  constructor(readonly info: ExitInfo) {
    super(
      `The VM process exited during boot (${info.signal ?? `exit code ${String(info.code)}`})${info.reason ? `: ${info.reason}` : ''}`,
    );
  }
}

/** A boot that has nothing running yet. */
/** A new boot of `settings` on `driver`; `osVersion`: the DhyveOS version it boots, when known. */
export function newBoot(driver: HypervisorDriver, settings: Settings, osVersion: string | null = null): Boot {
  return {
    driver,
    settings,
    applied: settings,
    lock: null,
    vm: null,
    endpoint: null,
    link: null,
    startedAt: null,
    health: null,
    osVersion,
    expectingExit: false,
    crashed: new AbortController(),
  };
}

/** Throws the `validate` step's error when settings do not fit this machine (one line, every field in details). */
export function refuseMisfits(problems: readonly SettingsProblem[]): void {
  const blocking = problems.filter((p) => p.severity === 'error');
  if (blocking.length === 0) return;
  const more = blocking.length > 1 ? ` (and ${blocking.length - 1} more)` : '';
  throw new StepError('validate', 'invalid-settings', `${blocking[0]!.message}${more}`, {
    field: blocking[0]!.field,
    errors: blocking.map(({ field, message }) => ({ field, message })),
  });
}

/** Re-attaches to an orphan; one that cannot be adopted is killed so no two hypervisors share the disk. */
export async function adoptOrStop(driver: HypervisorDriver, pid: number, logger: Logger): Promise<RunningVm> {
  let vm: RunningVm | null = null;
  try {
    vm = driver.adopt ? await driver.adopt(pid) : null;
  } finally {
    if (vm === null) {
      logger.warn(`the VM left running (pid ${pid}) cannot be adopted; stopping it`);
      await killProcess(pid);
    }
  }
  if (vm === null) {
    throw new StepError(
      'boot',
      'driver-failed',
      `The VM left running (pid ${pid}) could not be adopted; it was stopped`,
    );
  }
  return vm;
}

/** Applies `keys` of `settings` to the boot's running VM and records them as in effect. */
export async function applyLive(boot: Boot, settings: Settings, keys: readonly SettingsKey[]): Promise<void> {
  if (keys.length === 0 || boot.link === null) return;
  await boot.link.applyLive(settings, keys);
  const applied: Record<string, unknown> = { ...boot.applied };
  for (const key of keys) applied[key] = settings[key];
  boot.applied = applied as unknown as Settings;
}

/** Closes the guest link, stops the VM (graceful up to timeoutMs, then force) and releases the disk. */
export async function teardownBoot(boot: Boot, timeoutMs: number, logger: Logger): Promise<void> {
  boot.expectingExit = true;
  boot.health?.stop();
  try {
    await boot.link?.close().catch((e: unknown) => logger.warn(`closing the guest link: ${String(e)}`));
    if (boot.vm !== null) {
      const exit = await boot.driver.stop({ timeoutMs });
      logger.info(`VM stopped (${exit?.clean ? 'clean power-off' : 'forced'})`);
    }
  } finally {
    await boot.lock?.release();
  }
}

/** Leaves the VM running (for adoption by the next supervisor) but closes our links. */
export async function detachBoot(boot: Boot): Promise<void> {
  boot.expectingExit = true;
  boot.health?.stop();
  await boot.link?.close().catch(() => undefined);
  await boot.driver.detach?.().catch(() => undefined);
  await boot.lock?.release();
}

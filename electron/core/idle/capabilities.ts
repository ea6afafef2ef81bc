import type { DriverInfo } from '../drivers/driver.js';
import { MEMORY_RESTART } from './memory-restart.js';

/** One line of `dlite doctor`. */
export interface CapabilityCheck {
  readonly name: string;
  readonly level: 'ok' | 'warn';
  readonly detail: string;
}

const NO_MEMORY_RETURN: Record<string, string> = {
  vfkit: "vfkit's balloon does not return freed pages to macOS",
  xhyve: 'xhyve has no balloon',
};

/**
 * What the driver can do about idle cost, memory and the share, as `doctor` lines (pure): where
 * memory cannot come back or the VM cannot be saved, it says so and what that costs, and offers
 * `restart_to_free_memory` (`restartToFreeMemory`: the setting's value). `shareLimit`: what the
 * share cannot do as it runs (an unprivileged virtiofsd).
 */
export function describeCapabilities(
  info: DriverInfo,
  shareNote: string | null,
  o: { readonly restartToFreeMemory?: boolean; readonly shareLimit?: string } = {},
): CapabilityCheck[] {
  const f = info.features;
  const restartToFreeMemory = o.restartToFreeMemory ?? false;
  const share =
    f.shareType === 'virtiofs'
      ? {
          level: o.shareLimit ? ('warn' as const) : ('ok' as const),
          detail: `virtiofs${shareNote ? ` (${shareNote})` : ''}${o.shareLimit ? `: ${o.shareLimit}` : ''}`,
        }
      : f.shareType === '9p' && shareNote
        ? { level: 'warn' as const, detail: `9p, the slower share: ${shareNote}` }
        : { level: 'ok' as const, detail: f.shareType };
  return [
    { name: 'shared folder', ...share },
    f.memoryReturn === 'free-page-reporting'
      ? {
          name: 'memory return',
          level: 'ok',
          detail: 'free page reporting: memory the VM frees goes back to this machine',
        }
      : {
          name: 'memory return',
          level: 'warn',
          detail: `none: ${NO_MEMORY_RETURN[info.name] ?? `${info.name} cannot return memory`}; the VM's footprint only shrinks when it restarts or sleeps; ${
            restartToFreeMemory
              ? `restart_to_free_memory restarts it when nothing runs and it holds ${MEMORY_RESTART.ratio}× and ${MEMORY_RESTART.minExcessBytes / 2 ** 20} MiB more than its idle level`
              : 'dlite config set restart_to_free_memory true restarts it when nothing runs and it holds far more than when idle'
          }`,
        },
    f.suspend
      ? { name: 'idle suspend', level: 'ok', detail: 'the VM is saved when idle and wakes in seconds' }
      : {
          name: 'idle suspend',
          level: 'warn',
          detail: `${info.name} cannot save a VM: an idle stop shuts it down and the wake boots it`,
        },
  ];
}

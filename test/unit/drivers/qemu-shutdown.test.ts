import { describe, expect, it } from 'vitest';

import { shutdownQemu } from '../../../electron/core/drivers/qemu/lifecycle.js';
import type { QmpClient, QmpEvent } from '../../../electron/core/drivers/qemu/qmp.js';
import { QemuVm } from '../../../electron/core/drivers/qemu/vm-handle.js';
import type { ChildExit } from '../../../electron/core/process/supervised.js';

/** A QMP connection that is already gone: the guest's SHUTDOWN event came, then QEMU closed it. */
function closedQmp(onQuit: () => void = () => undefined) {
  const calls: string[] = [];
  let shutdown: ((ev: QmpEvent) => void) | undefined;
  const client = {
    isClosed: false,
    on(event: string, cb: (ev: QmpEvent) => void) {
      if (event === 'SHUTDOWN') shutdown = cb;
    },
    close() {},
    systemPowerdown(): Promise<void> {
      calls.push('system_powerdown');
      shutdown?.({ event: 'SHUTDOWN', data: { reason: 'guest-shutdown' } });
      return Promise.reject(new Error('QMP connection closed'));
    },
    quit(): Promise<void> {
      calls.push('quit');
      onQuit();
      return Promise.reject(new Error('QMP connection closed'));
    },
  };
  return { client: client as unknown as QmpClient, calls };
}

/** A QemuVm whose process exit the test controls (a pid no process has). */
function vmWithExit() {
  let exit!: (e: ChildExit) => void;
  const exited = new Promise<ChildExit>((resolve) => (exit = resolve));
  const vm = new QemuVm(2 ** 30, '/nonexistent/qmp.sock', { kind: 'child', exit: exited }, () =>
    Promise.resolve(),
  );
  return { vm, exit: () => exit({ code: 0, signal: null, stderrTail: [] }) };
}

describe('shutdownQemu', () => {
  it('counts a guest that powered off as clean when QMP closed just before QEMU was seen gone', async () => {
    const { vm, exit } = vmWithExit();
    const qmp = closedQmp();
    vm.attachQmp(qmp.client);
    setTimeout(exit, 300);
    const r = await shutdownQemu(vm, 60_000);
    expect(r.clean).toBe(true);
    expect(qmp.calls).toEqual(['system_powerdown']);
  });

  it('still forces, and says so, a QEMU that does not go once QMP is gone', async () => {
    const { vm, exit } = vmWithExit();
    const qmp = closedQmp(() => setTimeout(exit, 50));
    vm.attachQmp(qmp.client);
    const r = await shutdownQemu(vm, 60_000);
    expect(r.clean).toBe(false);
    expect(qmp.calls).toEqual(['system_powerdown', 'quit']);
  });
});

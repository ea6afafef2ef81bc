import { mkdtemp, readFile, rm } from 'node:fs/promises';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { IdleController } from '../../../electron/core/idle/idle-controller.js';
import { createFileLogger } from '../../../electron/core/log/logger.js';
import { GUEST_IDLE_SETTLE_COMMAND, ResourceSampler } from '../../../electron/core/resources/figures.js';
import type { GuestLink } from '../../../electron/core/supervisor/ports.js';
import { Supervisor } from '../../../electron/core/supervisor/supervisor.js';
import type { ResourceFigures, VmState } from '../../../electron/shared/types.js';
import { fakeBinary, fakeHome, type FakeHome } from '../../conformance/fake-home.js';
import { scriptedVfkitDeps, STUB_GUEST } from '../../conformance/scripted-vfkit-deps.js';
import { waitFor } from '../../vm/helpers/cli.js';
import { validSettings } from '../settings/fixtures.js';

/*
 * restart_to_free_memory inside a real Supervisor and IdleController, with the vfkit driver (its
 * balloon returns nothing: memoryReturn `none`) against the scripted vfkit of test/fakes: vfkit
 * cannot run here. The hypervisor's RSS is scripted through the sampler; the guest link is a stub
 * with no container running.
 */
const MIB = 2 ** 20;
let bin: string;
let vfkit: string;

beforeAll(async () => {
  bin = await mkdtemp('/tmp/dlmr-');
  vfkit = await fakeBinary(bin, 'vfkit', 'fake-vfkit.mjs');
});
afterAll(() => rm(bin, { recursive: true, force: true }));

/** Host figures with a scripted hypervisor RSS. */
class ScriptedSampler extends ResourceSampler {
  rssMiB = 600;
  override latest(): ResourceFigures | null {
    const real = super.latest();
    return real && real.hypervisorRssBytes !== null
      ? { ...real, hypervisorRssBytes: this.rssMiB * MIB }
      : real;
  }
}

/** No container runs; the guest's figures are fixed. */
const idleGuest: GuestLink = {
  ...STUB_GUEST,
  run: () =>
    Promise.resolve({
      stdout: 'mem_total_kib 1000000\nmem_available_kib 900000\npty_sessions 0\n',
      exitCode: 0,
    }),
};

interface World {
  readonly h: FakeHome;
  readonly supervisor: Supervisor;
  readonly idle: IdleController;
  readonly sampler: ScriptedSampler;
  readonly states: VmState[];
  /** docker.sock's clients as the controller sees them. */
  readonly clients: { clients: number; lastClientSeen: number };
}

const worlds: World[] = [];

async function world(restart: boolean, guest: GuestLink = idleGuest, settleQuietMs = 60_000): Promise<World> {
  const h = await fakeHome('dlmr-', 'hvc0', () => ({
    type: 'virtiofs',
    source: 'dlite-share',
    mountPoint: '/Users',
  }));
  const logger = createFileLogger(h.paths.dliteLog);
  const box = {
    settings: validSettings(h.cfg.share!.hostPath, {
      uuid: h.cfg.uuid,
      hypervisor: 'vfkit',
      idle_stop_minutes: 0,
      restart_to_free_memory: restart,
    }),
  };
  const deps = scriptedVfkitDeps(h, vfkit, box, logger, guest, {
    engineHealth: { intervalMs: 50, pingTimeoutMs: 1_000, unresponsiveAfterMs: 60_000 },
  });
  const supervisor = new Supervisor(deps);
  const sampler = new ScriptedSampler(h.paths.disk);
  const states: VmState[] = [];
  supervisor.onState((s) => states.push(s.state));
  const clients = { clients: 0, lastClientSeen: 0 };
  const idle = new IdleController({
    host: supervisor,
    clients,
    sampler,
    logger,
    probeMs: 100,
    sampleMs: 50,
    guestMs: 60_000,
    memoryQuietMs: 300,
    settleQuietMs,
  });
  const w: World = { h, supervisor, idle, sampler, states, clients };
  worlds.push(w);
  return w;
}

afterEach(async () => {
  for (const w of worlds.splice(0)) {
    w.idle.stop();
    await w.supervisor.dispose({ stopVm: true });
    await w.h.cleanup();
  }
});

describe('restart_to_free_memory (real supervisor, scripted vfkit)', () => {
  it('restarts a quiet VM far above its idle level through sleeping (docker.sock held, never stopped), and logs why', async () => {
    const w = await world(true);
    expect((await w.supervisor.start()).ok).toBe(true);
    w.idle.start();
    const firstPid = w.supervisor.runningDriver()?.processIds?.()[0];
    expect(firstPid).toBeGreaterThan(0);
    // The idle level is recorded at 600 MiB; staying near it changes nothing.
    await new Promise((r) => setTimeout(r, 800));
    expect(w.states.filter((s) => s === 'stopping')).toHaveLength(0);
    // A workload left 1,500 MiB behind that vfkit cannot return.
    w.sampler.rssMiB = 1500;
    await waitFor(
      'the restart',
      () => (w.states.includes('stopping') && w.supervisor.status().state === 'running' ? true : undefined),
      20_000,
    );
    expect(w.states.slice(w.states.indexOf('stopping'))).toEqual([
      'stopping',
      'sleeping',
      'starting',
      'running',
    ]);
    expect(w.supervisor.runningDriver()?.processIds?.()[0]).not.toBe(firstPid);
    expect(await readFile(w.h.paths.dliteLog, 'utf8')).toContain(
      'restart_to_free_memory: the hypervisor holds 1500 MiB, 2.5× its idle 600 MiB, and cannot return freed memory; restarting the idle VM',
    );
  });

  it('leaves the VM alone when the setting is off', async () => {
    const w = await world(false);
    expect((await w.supervisor.start()).ok).toBe(true);
    w.idle.start();
    await new Promise((r) => setTimeout(r, 300));
    w.sampler.rssMiB = 1500;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(w.states).toEqual(['starting', 'running']);
  });
});

describe('a VM put to sleep', () => {
  it('stops checking the engine: no /_ping after the sleep, so nothing keeps the daemon busy or alive', async () => {
    let pings = 0;
    const w = await world(false, {
      ...idleGuest,
      pingEngine: () => {
        pings += 1;
        return Promise.resolve(true);
      },
      // The guest's suspend helper agrees to sleep.
      run: (argv) =>
        argv.includes('prepare')
          ? Promise.resolve({ stdout: 'ready\n', exitCode: 0 })
          : idleGuest.run(argv, 1_000),
    });
    expect((await w.supervisor.start()).ok).toBe(true);
    await waitFor('engine pings', () => (pings >= 2 ? true : undefined), 5_000);
    expect((await w.supervisor.sleep()).ok).toBe(true);
    expect(w.supervisor.status().state).toBe('sleeping');
    const after = pings;
    await new Promise((r) => setTimeout(r, 400));
    expect(pings).toBe(after);
  });
});

describe('memory handed back', () => {
  it('once the started VM is quiet, then once per quiet spell after use, never while nothing happened', async () => {
    const settles: number[] = [];
    const w = await world(
      false,
      {
        ...idleGuest,
        run: (argv, ms) => {
          if (argv.join(' ') === GUEST_IDLE_SETTLE_COMMAND.join(' ')) settles.push(Date.now());
          return idleGuest.run(argv, ms);
        },
      },
      300,
    );
    expect((await w.supervisor.start()).ok).toBe(true);
    w.idle.start();
    const started = Date.now();
    await waitFor('the settle once quiet', () => (settles.length === 1 ? true : undefined), 5_000);
    expect(settles[0]! - started).toBeGreaterThanOrEqual(200);
    // Quiet since the start: nothing more to give back.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(settles).toHaveLength(1);
    // A docker.sock client used the VM; once it has been quiet for 300 ms, one more settle.
    const used = Date.now();
    w.clients.lastClientSeen = used;
    await waitFor('the settle after use', () => (settles.length === 2 ? true : undefined), 5_000);
    expect(settles[1]! - used).toBeGreaterThanOrEqual(300);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(settles).toHaveLength(2);
    // A client still connected is use, not quiet: no settle while it stays.
    w.clients.clients = 1;
    w.clients.lastClientSeen = Date.now();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(settles).toHaveLength(2);
    const log = await readFile(w.h.paths.dliteLog, 'utf8');
    expect(log.match(/dropped the guest's clean page cache and compacted its memory/g)).toHaveLength(2);
  });
});

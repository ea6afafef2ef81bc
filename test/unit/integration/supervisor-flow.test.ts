import { copyFile, mkdir, mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { formatStatus } from '../../../electron/cli/status-text.js';
import { DEFAULT_VMNET_SUBNET } from '../../../electron/core/drivers/vmnet/subnet.js';
import { createHostIntegration } from '../../../electron/core/integration/create-host-integration.js';
import { PrivilegedQuestions } from '../../../electron/core/integration/questions.js';
import type { PrivilegedRunner } from '../../../electron/core/integration/runner.js';
import { createFileLogger } from '../../../electron/core/log/logger.js';
import {
  runHelper,
  type HelperCall,
  type HelperReportLine,
} from '../../../electron/core/privileged/helper.js';
import type { SupervisorDeps } from '../../../electron/core/supervisor/ports.js';
import { Supervisor } from '../../../electron/core/supervisor/supervisor.js';
import type { PrivilegedAnswer, Settings } from '../../../electron/shared/types.js';
import { fakeBinary, fakeHome, type FakeHome } from '../../conformance/fake-home.js';
import { scriptedVfkitDeps, STUB_GUEST } from '../../conformance/scripted-vfkit-deps.js';
import { validSettings } from '../settings/fixtures.js';

/*
 * The batch-and-explain flow inside a real Supervisor start, with the vfkit driver against the
 * scripted vfkit (test/fakes) and a fake PrivilegedRunner: the elevation is faked (no password
 * dialog here), the helper's operations are the real ones, on a temporary root. The guest link is a
 * stub: the scripted VM has no SSH or Docker behind its banner, and the guest is not what this tests.
 */
const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/system-files');
let bin: string;
let vfkit: string;

beforeAll(async () => {
  bin = await mkdtemp('/tmp/dlsf-');
  vfkit = await fakeBinary(bin, 'vfkit', 'fake-vfkit.mjs');
});
afterAll(() => rm(bin, { recursive: true, force: true }));

/** A fake elevation: counts password dialogs, then runs the real helper operations under `root`. */
class FakeElevation implements PrivilegedRunner {
  elevations = 0;
  constructor(
    private readonly root: string,
    private readonly silent = false,
  ) {}
  canRunSilently(): Promise<boolean> {
    return Promise.resolve(this.silent);
  }
  async run(calls: readonly HelperCall[]): Promise<HelperReportLine[]> {
    this.elevations += 1;
    const lines: HelperReportLine[] = [];
    const batch = Buffer.from(JSON.stringify(calls)).toString('base64url');
    await runHelper(
      ['batch', batch],
      { root: this.root, exec: () => Promise.resolve('') },
      (l) => lines.push(JSON.parse(l) as HelperReportLine),
      () => undefined,
    );
    return lines;
  }
}

interface World {
  readonly h: FakeHome;
  readonly root: string;
  readonly runner: FakeElevation;
  readonly asked: string[][];
  supervisor: Supervisor;
  settings: Settings;
}

const worlds: World[] = [];

async function world(o: { answer: PrivilegedAnswer; silent?: boolean; link?: boolean }): Promise<World> {
  const h = await fakeHome('dlsf-', 'hvc0', () => ({
    type: 'virtiofs',
    source: 'dlite-share',
    mountPoint: '/Users',
  }));
  const root = path.join(h.dir, 'root');
  await mkdir(path.join(root, 'etc'), { recursive: true });
  await mkdir(path.join(root, 'var/run'), { recursive: true });
  await copyFile(path.join(FIXTURES, 'hosts-macos'), path.join(root, 'etc/hosts'));
  const runner = new FakeElevation(root, o.silent);
  const questions = new PrivilegedQuestions(10_000);
  const asked: string[][] = [];
  questions.onChange(() => {
    const q = questions.pending();
    if (!q) return;
    asked.push(q.changes.map((c) => c.file));
    setTimeout(() => questions.answer({ id: q.id, answer: o.answer }), 10);
  });
  const logger = createFileLogger(h.paths.dliteLog);
  const w: World = {
    h,
    root,
    runner,
    asked,
    settings: validSettings(h.cfg.share!.hostPath, {
      uuid: h.cfg.uuid,
      hypervisor: 'vfkit',
      docker_socket_link: o.link ?? true,
    }),
    supervisor: undefined as unknown as Supervisor,
  };
  const deps: SupervisorDeps = scriptedVfkitDeps(h, vfkit, w, logger, STUB_GUEST, {
    hostIntegration: createHostIntegration({
      paths: h.paths,
      logger,
      env: h.env,
      runner,
      questions,
      root,
      subnet: () => Promise.resolve(DEFAULT_VMNET_SUBNET),
      saveSettings: async (patch) => {
        await deps.updateSettings(patch);
      },
    }),
  });
  w.supervisor = new Supervisor(deps);
  worlds.push(w);
  return w;
}

afterEach(async () => {
  for (const w of worlds.splice(0)) {
    await w.supervisor.dispose({ stopVm: true });
    await w.h.cleanup();
  }
});

describe('one explained prompt per start, inside the supervisor (vfkit, fake elevation)', () => {
  it('several changes: one question, one elevation; the next start asks nothing', async () => {
    const w = await world({ answer: 'continue' });
    const started = await w.supervisor.start();
    expect(started).toMatchObject({
      ok: true,
      value: { state: 'running', hostIntegration: { pending: null, degraded: [] } },
    });
    expect(w.asked).toEqual([['/etc/hosts', '/var/run/docker.sock']]);
    expect(w.runner.elevations).toBe(1);
    expect(await readFile(path.join(w.root, 'etc/hosts'), 'utf8')).toContain(`\n${w.h.ip} local.docker\n`);
    expect(await readlink(path.join(w.root, 'var/run/docker.sock'))).toBe(w.h.paths.dockerSocket);

    expect((await w.supervisor.stop()).ok).toBe(true);
    expect((await w.supervisor.start()).ok).toBe(true);
    expect(w.asked).toHaveLength(1);
    expect(w.runner.elevations).toBe(1);
  });

  it('no question when the elevation needs nobody (root, sudo -n)', async () => {
    const w = await world({ answer: 'not-now', silent: true });
    expect((await w.supervisor.start()).ok).toBe(true);
    expect(w.asked).toEqual([]);
    expect(w.runner.elevations).toBe(1);
  });

  it('"Not now": the VM still starts, and status and the CLI say what does not work', async () => {
    const w = await world({ answer: 'not-now' });
    const started = await w.supervisor.start();
    expect(started.ok).toBe(true);
    const status = w.supervisor.status();
    expect(status.state).toBe('running');
    expect(w.runner.elevations).toBe(0);
    expect(status.hostIntegration.degraded).toEqual([
      { feature: 'hostname', message: `local.docker does not resolve: use ${w.h.ip} instead` },
      {
        feature: 'docker-socket-link',
        message: `/var/run/docker.sock does not reach Dlite: use DOCKER_HOST=unix://${w.h.paths.dockerSocket}`,
      },
    ]);
    expect(
      formatStatus(status, {
        io: { out: () => undefined, err: () => undefined, isTty: false, errIsTty: false, env: {} },
        self: 'dlite',
      }),
    ).toContain(`not working: local.docker does not resolve: use ${w.h.ip} instead`);
    expect(await readFile(path.join(w.root, 'etc/hosts'), 'utf8')).toBe(
      await readFile(path.join(FIXTURES, 'hosts-macos'), 'utf8'),
    );
  });

  it('"Don\'t ask again" saves privileged_changes: never, and the next start asks nothing', async () => {
    const w = await world({ answer: 'never', link: false });
    expect((await w.supervisor.start()).ok).toBe(true);
    expect(w.settings.privileged_changes).toBe('never');
    expect((await w.supervisor.stop()).ok).toBe(true);
    expect((await w.supervisor.start()).ok).toBe(true);
    expect(w.asked).toHaveLength(1);
    expect(w.supervisor.status().hostIntegration.degraded[0]?.message).toMatch(/privileged_changes is never/);
  });
});

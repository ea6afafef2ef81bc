import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { RootSetupStep } from '../../../electron/core/drivers/driver.js';
import {
  integrateHost,
  type HostIntegrationDeps,
} from '../../../electron/core/integration/host-integration.js';
import type { DesiredHostState } from '../../../electron/core/integration/plan.js';
import { PrivilegedQuestions } from '../../../electron/core/integration/questions.js';
import {
  createSystemRunner,
  helperShellCommand,
  PrivilegeDeclinedError,
  type PrivilegedRunner,
} from '../../../electron/core/integration/runner.js';
import type { HelperCall, HelperReportLine } from '../../../electron/core/privileged/helper.js';
import type { Logger } from '../../../electron/core/log/logger.js';
import type { PrivilegedAnswer, PrivilegedRequestDto } from '../../../electron/shared/types.js';
import { bundleHelper } from '../privileged/helper-build.js';

const UUID = '5f0c3a9e-6a51-4b8e-9d2c-2b7d3e1f4a60';
const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/system-files');
const logger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  onLine: () => () => undefined,
};

let dir: string;
let root: string;

/** A PrivilegedRunner standing in for the OS password dialog: records each elevation. */
class FakeRunner implements PrivilegedRunner {
  readonly elevations: HelperCall[][] = [];
  constructor(
    private readonly silent = false,
    private readonly outcome: 'ok' | 'declined' | ((call: HelperCall) => boolean) = 'ok',
  ) {}
  canRunSilently(): Promise<boolean> {
    return Promise.resolve(this.silent);
  }
  run(calls: readonly HelperCall[]): Promise<HelperReportLine[]> {
    this.elevations.push([...calls]);
    if (this.outcome === 'declined') {
      return Promise.reject(new PrivilegeDeclinedError('User did not grant permission.'));
    }
    const lines: HelperReportLine[] = [];
    for (const c of calls) {
      const ok = this.outcome === 'ok' || this.outcome(c);
      lines.push({ op: c[0] as HelperReportLine['op'], ok, message: ok ? `done ${c[0]}` : `failed ${c[0]}` });
      if (!ok) break;
    }
    return Promise.resolve(lines);
  }
}

/** Answers every question with `answer` and records what it was shown. */
function answering(answer: PrivilegedAnswer): {
  questions: PrivilegedQuestions;
  seen: PrivilegedRequestDto[];
} {
  const questions = new PrivilegedQuestions();
  const seen: PrivilegedRequestDto[] = [];
  questions.onChange(() => {
    const q = questions.pending();
    if (q) {
      seen.push(q);
      queueMicrotask(() => questions.answer({ id: q.id, answer }));
    }
  });
  return { questions, seen };
}

const setup: RootSetupStep = {
  op: 'xhyve-install',
  args: ['/usr/local/bin/xhyve', 'jane'],
  files: ['/Library/PrivilegedHelperTools/io.dlite.xhyve'],
  why: 'xhyve needs root for its network',
};

function desired(over: Partial<DesiredHostState> = {}): DesiredHostState {
  return {
    uuid: UUID,
    hostname: 'local.docker',
    address: '192.168.64.3',
    exports: {
      share: '/Users',
      subnet: {
        network: '192.168.64.0',
        mask: '255.255.255.0',
        hostAddress: '192.168.64.1',
        source: 'default',
      },
      map: { uid: 501, gid: 20 },
    },
    dockerSocketLink: { target: '/Users/jane/.dlite/run/docker.sock', enabled: true },
    rootSetup: [setup],
    ...over,
  };
}

function deps(
  runner: PrivilegedRunner,
  questions: PrivilegedQuestions,
  never: string[] = [],
): HostIntegrationDeps {
  return { runner, questions, logger, root, neverAskAgain: () => Promise.resolve(void never.push('never')) };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-flow-'));
  root = path.join(dir, 'root');
});
beforeEach(async () => {
  await rm(root, { recursive: true, force: true });
  await mkdir(path.join(root, 'etc'), { recursive: true });
  await mkdir(path.join(root, 'var/run'), { recursive: true });
  await copyFile(path.join(FIXTURES, 'hosts-macos'), path.join(root, 'etc/hosts'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the batch-and-explain flow (fake PrivilegedRunner)', () => {
  it('several changes: one question naming each file and why, then one elevation', async () => {
    const runner = new FakeRunner();
    const { questions, seen } = answering('continue');
    const out = await integrateHost(desired(), 'ask', deps(runner, questions), new AbortController().signal);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.title).toBe('Dlite needs an administrator password to change 4 system files');
    expect(seen[0]!.changes.map((c) => c.file)).toEqual([
      '/Library/PrivilegedHelperTools/io.dlite.xhyve',
      '/etc/hosts',
      '/etc/exports',
      '/var/run/docker.sock',
    ]);
    expect(seen[0]!.changes[1]).toEqual({
      file: '/etc/hosts',
      action: 'add "192.168.64.3 local.docker"',
      why: 'so local.docker reaches the VM',
    });
    expect(seen[0]!.ifDeclined).toContain('local.docker does not resolve: use 192.168.64.3 instead');
    expect(runner.elevations).toEqual([
      [
        ['xhyve-install', '/usr/local/bin/xhyve', 'jane'],
        ['hosts-set', UUID, 'local.docker', '192.168.64.3'],
        ['exports-set', UUID, '/Users', '192.168.64.0', '255.255.255.0', '501', '20'],
        ['docker-sock-link', '/Users/jane/.dlite/run/docker.sock'],
      ],
    ]);
    expect(out).toEqual({
      applied: ['done xhyve-install', 'done hosts-set', 'done exports-set', 'done docker-sock-link'],
      degraded: [],
      asked: true,
    });
    expect(questions.pending()).toBeNull();
  });

  it('nothing to change: no question and no elevation', async () => {
    const block = `# BEGIN dlite ${UUID}\n127.0.0.1 local.docker\n# END dlite ${UUID}\n`;
    await writeFile(path.join(root, 'etc/hosts'), block);
    const runner = new FakeRunner();
    const { questions, seen } = answering('continue');
    const out = await integrateHost(
      desired({
        address: '127.0.0.1',
        exports: null,
        dockerSocketLink: { target: '/x/docker.sock', enabled: false },
        rootSetup: [],
      }),
      'ask',
      deps(runner, questions),
      new AbortController().signal,
    );
    expect(out).toEqual({ applied: [], degraded: [], asked: false });
    expect(seen).toEqual([]);
    expect(runner.elevations).toEqual([]);
  });

  it('no question when nobody needs to be asked (root, sudo -n)', async () => {
    const runner = new FakeRunner(true);
    const { questions, seen } = answering('not-now');
    const out = await integrateHost(
      desired({ rootSetup: [] }),
      'ask',
      deps(runner, questions),
      new AbortController().signal,
    );
    expect(seen).toEqual([]);
    expect(runner.elevations).toHaveLength(1);
    expect(out.applied).toHaveLength(3);
  });

  it('"Not now": nothing runs, and the outcome says what does not work', async () => {
    const runner = new FakeRunner();
    const { questions } = answering('not-now');
    const out = await integrateHost(
      desired({ rootSetup: [] }),
      'ask',
      deps(runner, questions),
      new AbortController().signal,
    );
    expect(runner.elevations).toEqual([]);
    expect(out.degraded).toEqual([
      { feature: 'hostname', message: 'local.docker does not resolve: use 192.168.64.3 instead' },
      { feature: 'share', message: '/Users is not mounted in the VM' },
      {
        feature: 'docker-socket-link',
        message:
          '/var/run/docker.sock does not reach Dlite: use DOCKER_HOST=unix:///Users/jane/.dlite/run/docker.sock',
      },
    ]);
  });

  it('"Don\'t ask again" saves it; with privileged_changes never nobody is asked', async () => {
    const never: string[] = [];
    const { questions, seen } = answering('never');
    await integrateHost(
      desired(),
      'ask',
      deps(new FakeRunner(), questions, never),
      new AbortController().signal,
    );
    expect(never).toEqual(['never']);
    const runner = new FakeRunner(true);
    const out = await integrateHost(
      desired(),
      'never',
      deps(runner, questions, never),
      new AbortController().signal,
    );
    expect(seen).toHaveLength(1);
    expect(runner.elevations).toEqual([]);
    expect(out.degraded[1]).toEqual({
      feature: 'hostname',
      message: 'local.docker does not resolve: use 192.168.64.3 instead (privileged_changes is never)',
    });
  });

  it('a cancelled password dialog and a failed operation are reported, not thrown', async () => {
    const { questions } = answering('continue');
    const declined = await integrateHost(
      desired({ rootSetup: [] }),
      'ask',
      deps(new FakeRunner(false, 'declined'), questions),
      new AbortController().signal,
    );
    expect(declined.degraded.map((d) => d.feature)).toEqual(['hostname', 'share', 'docker-socket-link']);
    const partial = await integrateHost(
      desired({ rootSetup: [] }),
      'ask',
      deps(new FakeRunner(false, (c) => c[0] !== 'exports-set'), questions),
      new AbortController().signal,
    );
    expect(partial.applied).toEqual(['done hosts-set']);
    expect(partial.degraded).toEqual([
      { feature: 'share', message: '/Users is not mounted in the VM (failed exports-set)' },
      {
        feature: 'docker-socket-link',
        message:
          '/var/run/docker.sock does not reach Dlite: use DOCKER_HOST=unix:///Users/jane/.dlite/run/docker.sock (not run after an earlier failure)',
      },
    ]);
  });

  it("another tool's export is reported and not changed", async () => {
    await copyFile(path.join(FIXTURES, 'exports-conflict'), path.join(root, 'etc/exports'));
    const runner = new FakeRunner(true);
    const out = await integrateHost(
      desired({ address: null, dockerSocketLink: null, rootSetup: [] }),
      'ask',
      deps(runner, answering('continue').questions),
      new AbortController().signal,
    );
    expect(runner.elevations).toEqual([]);
    expect(out.degraded).toEqual([
      {
        feature: 'share',
        message:
          '/Users is not shared with the VM: /etc/exports line 2 ("/Users 192.168.99.100 -alldirs -mapall=501:20") already exports it; remove that line or change share',
      },
    ]);
  });

  it('a question nobody answers expires as "not now"; a stop withdraws it', async () => {
    const questions = new PrivilegedQuestions(50);
    expect(
      await questions.ask({ title: 't', changes: [], ifDeclined: [] }, new AbortController().signal),
    ).toBe('not-now');
    const ac = new AbortController();
    const pending = questions.ask({ title: 't', changes: [], ifDeclined: [] }, ac.signal);
    const id = questions.pending()!.id;
    ac.abort();
    expect(await pending).toBe('not-now');
    expect(questions.answer({ id, answer: 'continue' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-argument' },
    });
    expect(questions.answer({ id, answer: 'maybe' })).toMatchObject({
      ok: false,
      error: { message: 'answer: must be one of continue, not-now, never' },
    });
  });
});

describe('the flow for real on Linux: the system runner and dlite-helper under a temporary root', () => {
  let helper: string;
  const linuxDesired = (): DesiredHostState => ({
    uuid: UUID,
    hostname: 'local.docker',
    address: '127.0.0.1',
    exports: null,
    dockerSocketLink: { target: path.join(dir, 'home/run/docker.sock'), enabled: false },
    rootSetup: [],
  });

  beforeAll(async () => {
    helper = await bundleHelper(path.join(dir, 'helper.mjs'), path.join(dir, 'root'));
  });

  it('as root: no question, the batch still goes through the helper, and a second start changes nothing', async () => {
    const runner = createSystemRunner({ node: process.execPath, script: helper }, null);
    expect(await runner.canRunSilently()).toBe(true);
    const { questions, seen } = answering('not-now');
    const first = await integrateHost(
      linuxDesired(),
      'ask',
      deps(runner, questions),
      new AbortController().signal,
    );
    expect(first).toEqual({ applied: ['/etc/hosts: 127.0.0.1 local.docker'], degraded: [], asked: false });
    expect(await readFile(path.join(root, 'etc/hosts'), 'utf8')).toContain(
      `# BEGIN dlite ${UUID}\n127.0.0.1 local.docker\n# END dlite ${UUID}\n`,
    );
    expect(await readFile(path.join(root, 'etc/hosts.dlite-backup'), 'utf8')).toBe(
      await readFile(path.join(FIXTURES, 'hosts-macos'), 'utf8'),
    );
    const second = await integrateHost(
      linuxDesired(),
      'ask',
      deps(runner, questions),
      new AbortController().signal,
    );
    expect(second).toEqual({ applied: [], degraded: [], asked: false });
    expect(seen).toEqual([]);
  });

  it('through sudo -n when this process is not root but sudo needs no password', async () => {
    expect(spawnSync('sudo', ['-n', 'true']).status).toBe(0);
    const runner = createSystemRunner({ node: process.execPath, script: helper }, null, { uid: 1000 });
    expect(await runner.canRunSilently()).toBe(true);
    const r = await runner.run([['hosts-set', UUID, 'local.docker', '127.0.0.1']]);
    expect(r).toEqual([{ op: 'hosts-set', ok: true, message: '/etc/hosts: 127.0.0.1 local.docker' }]);
  });

  it('through the password prompt otherwise: one shell line the elevation runs as is', async () => {
    const commands: string[] = [];
    const runner = createSystemRunner(
      { node: process.execPath, script: helper },
      (command) => {
        commands.push(command);
        // Stands in for the OS dialog + sudo-prompt: the command line runs through bash, as there.
        const r = spawnSync('/bin/bash', ['-c', command], { encoding: 'utf8' });
        return Promise.resolve({ code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr });
      },
      { uid: 1000, sudo: '/bin/false' },
    );
    expect(await runner.canRunSilently()).toBe(false);
    const calls: HelperCall[] = [
      ['hosts-set', UUID, 'local.docker', '127.0.0.1'],
      ['docker-sock-link', path.join(dir, "home dir/it's/run/docker.sock")],
    ];
    const r = await runner.run(calls);
    expect(r.map((l) => l.ok)).toEqual([true, true]);
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatch(/^'\/[^']+' '\/[^']+' batch [A-Za-z0-9_-]+$/);
    expect(() => helperShellCommand({ node: '/usr/bin/node', script: '/tmp/$(id)/h.js' }, calls)).toThrow(
      /plain characters/,
    );
  });
});

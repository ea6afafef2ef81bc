import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { createSupervisorApi } from '../../../electron/core/host/supervisor-api.js';
import { createFileLogger } from '../../../electron/core/log/logger.js';
import { resolvePaths } from '../../../electron/core/paths.js';
import type { Supervisor } from '../../../electron/core/supervisor/supervisor.js';
import type { ProgressDto } from '../../../electron/shared/types.js';
import { STOPPED_STATUS } from '../../fixtures/vm-status.js';

/** The few Supervisor members the API reads for these calls. */
function supervisor(state = STOPPED_STATUS.state): Supervisor {
  return {
    status: () => ({ ...STOPPED_STATUS, state }),
    onProgress: () => () => undefined,
    onState: () => () => undefined,
  } as unknown as Supervisor;
}

describe('the daemon’s API: setup and the app’s own methods', () => {
  const homes: string[] = [];
  afterEach(async () => {
    for (const home of homes.splice(0)) await rm(home, { recursive: true, force: true });
  });

  async function api(state = STOPPED_STATUS.state, env: NodeJS.ProcessEnv = {}) {
    const home = await mkdtemp(path.join(os.tmpdir(), 'dl-api-'));
    homes.push(home);
    const paths = resolvePaths({ DLITE_HOME: home });
    return {
      paths,
      api: createSupervisorApi({
        supervisor: supervisor(state),
        paths,
        logger: createFileLogger(paths.dliteLog),
        env,
      }),
    };
  }

  it('answers the menu-bar app’s methods with not-supported, and Retry with ready', async () => {
    const { api: a } = await api();
    for (const call of [
      a.pickFolder({}),
      a.getAppInfo(),
      a.setAppPrefs({}),
      a.showWindow('logs'),
      a.quit(),
    ]) {
      expect(await call).toMatchObject({
        ok: false,
        error: { code: 'not-supported', message: 'This needs the Dlite menu-bar app' },
      });
    }
    expect(await a.retryService()).toEqual({ ok: true, value: { phase: 'ready', message: null } });
    expect(typeof a.onService(() => undefined)).toBe('function');
  });

  it('sets up a home with install progress, and fails at the image step with where it looked', async () => {
    const { api: a, paths } = await api(STOPPED_STATUS.state, { DLITE_OS_IMAGE: '/nonexistent/os' });
    const steps: ProgressDto[] = [];
    a.onProgress((p) => steps.push(p));
    const r = await a.install({ cpu_count: 1, memory: 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatchObject({
        code: 'os-image-missing',
        message: expect.stringContaining('/nonexistent/os'),
      });
    }
    expect(steps.map((s) => `${s.operation} ${s.current}/${s.max} ${s.step}`)).toEqual([
      'install 1/4 settings',
      'install 2/4 ssh-key',
      'install 3/4 disk',
      'install 4/4 os-image',
    ]);
    const info = await a.hostInfo();
    expect(info.ok && info.value.installed).toBe(true);
    expect(info.ok && info.value.diskGiB).toBe(20);
    expect(paths.home).toBe(homes[0]);
  });

  it('refuses a bad setting by field, writing nothing, and refuses setup while the VM runs', async () => {
    const { api: a, paths } = await api();
    const r = await a.install({ memory: 999 });
    expect(r.ok || r.error).toMatchObject({ code: 'invalid-settings', details: { field: 'memory' } });
    expect(existsSync(paths.config)).toBe(false);
    const running = (await api('running')).api;
    expect(await running.install({})).toMatchObject({ ok: false, error: { code: 'vm-busy' } });
  });

  it('checks a settings change without saving it', async () => {
    const { api: a, paths } = await api();
    const r = await a.checkSettings({ registry_mirrors: ['https://ok.example', 'nope'], memory: 1 });
    expect(r.ok && r.value.errors).toEqual([
      {
        field: 'registry_mirrors',
        index: 1,
        message: 'registry_mirrors: "nope" must be an http:// or https:// URL without credentials',
      },
    ]);
    expect(existsSync(paths.config)).toBe(false);
  });
});

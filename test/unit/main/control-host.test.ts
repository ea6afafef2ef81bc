import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { startControlServer } from '../../../electron/core/control/server.js';
import { resolvePaths } from '../../../electron/core/paths.js';
import { createControlHost } from '../../../electron/main/daemon/control-host.js';
import type { DliteApi } from '../../../electron/shared/api.js';
import { ok } from '../../../electron/shared/errors.js';
import { STOPPED_STATUS } from '../../fixtures/vm-status.js';

const FAKE = path.join(import.meta.dirname, 'fixtures', 'fake-daemon.mjs');

describe('control-socket host adapter (spawns a real process)', () => {
  let home = '';
  const pids: number[] = [];
  afterEach(() => {
    for (const pid of pids.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('connects to a daemon that already serves the Dlite home, without spawning', async () => {
    home = mkdtempSync('/tmp/dl-ch-');
    const paths = resolvePaths({ DLITE_HOME: home });
    const api = new Proxy({} as DliteApi, {
      get: (_t, p: string) =>
        p.startsWith('on') ? () => () => undefined : () => Promise.resolve(ok(STOPPED_STATUS)),
    });
    const server = await startControlServer(api, paths.controlSocket);
    const host = createControlHost({ paths, dlite: { command: '/nonexistent', args: [], env: {} } });
    // It answers already: nothing is started (the command does not even exist).
    const conn = await host.connect();
    expect(await conn.api.status()).toEqual(ok(STOPPED_STATUS));
    conn.close();
    await server.close();
  });

  it('spawns the daemon detached with its environment, starts a new one when it dies, and reports it lost only when that fails', async () => {
    home = mkdtempSync('/tmp/dl-ch-');
    const paths = resolvePaths({ DLITE_HOME: home });
    const fake = path.join(home, 'fake-daemon.mjs');
    copyFileSync(FAKE, fake);
    const host = createControlHost({
      paths,
      dlite: { command: process.execPath, args: [fake], env: { FAKE_MARKER: 'from-app' } },
      env: { ...process.env, DLITE_HOME: home },
      pollMs: 50,
      startTimeoutMs: 5_000,
    });
    const conn = await host.connect();
    const pidOf = async (): Promise<number> => {
      const r = (await conn.api.status()) as unknown as {
        ok: true;
        value: { hostPid: number; marker: string };
      };
      expect(r.value.marker).toBe('from-app');
      pids.push(r.value.hostPid);
      return r.value.hostPid;
    };
    const first = await pidOf();
    process.kill(first, 'SIGKILL');
    // The next call finds the daemon gone and starts another one: the app keeps working.
    await new Promise((r) => setTimeout(r, 200));
    const second = await pidOf();
    expect(second).not.toBe(first);
    // A daemon that cannot be started again is reported lost, with the reason.
    rmSync(fake);
    process.kill(second, 'SIGKILL');
    expect(await conn.lost).toMatch(/^The Dlite daemon stopped answering \(The Dlite daemon exited at start/);
    conn.close();
  });

  it('says why a daemon that exits at once could not start, from its output', async () => {
    home = mkdtempSync('/tmp/dl-ch-');
    const paths = resolvePaths({ DLITE_HOME: home });
    const host = createControlHost({
      paths,
      dlite: {
        command: process.execPath,
        args: [FAKE],
        env: { FAKE_DAEMON_FAIL: 'config.json: memory: must be an integer' },
      },
      env: { ...process.env, DLITE_HOME: home },
      startTimeoutMs: 5_000,
    });
    await expect(host.connect()).rejects.toThrow(
      /^The Dlite daemon exited at start: config\.json: memory: must be an integer \(see /,
    );
    expect(readFileSync(path.join(home, 'log', 'daemon.out'), 'utf8')).toContain(
      'memory: must be an integer',
    );
  });
});

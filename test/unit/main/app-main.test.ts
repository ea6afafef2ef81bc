import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { startApp, type AppConfig } from '../../../electron/main/app-main.js';
import type { HostPort } from '../../../electron/main/daemon/host-port.js';
import { memoryPrefsStore } from '../../../electron/main/prefs/prefs-store.js';
import type { DliteApi } from '../../../electron/shared/api.js';
import { INVOKE, PUSH } from '../../../electron/shared/contract.js';
import { ok } from '../../../electron/shared/errors.js';
import type { VmStatus } from '../../../electron/shared/types.js';
import { STOPPED_STATUS } from '../../fixtures/vm-status.js';
import { fakeElectron } from './fake-electron.js';

const RENDERER = '/app/dist/renderer/index.html';
const ours = { senderFrame: { url: `file://${RENDERER}#popover`, parent: null } };

/** A scripted daemon: start goes starting → running, stop → stopped; pushes go to subscribers. */
function scriptedDaemon(opts: { installed?: boolean } = {}) {
  let status: VmStatus = STOPPED_STATUS;
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const calls: string[] = [];
  const answers: unknown[] = [];
  const set = (s: Partial<VmStatus>) => {
    status = { ...status, ...s };
    listeners.get('onState')?.forEach((l) => l(status));
  };
  const api = new Proxy({} as DliteApi, {
    get: (_t, prop: string) => {
      if (prop.startsWith('on')) {
        return (l: (p: unknown) => void) => {
          const s = listeners.get(prop) ?? new Set();
          listeners.set(prop, s);
          s.add(l);
          return () => s.delete(l);
        };
      }
      return (arg?: unknown) => {
        calls.push(prop);
        if (prop === 'answerPrivileged') answers.push(arg);
        if (prop === 'start') {
          set({ state: 'starting' });
          set({
            state: 'running',
            ip: '127.0.0.1',
            dockerEndpoint: 'unix:///Users/Jo Doe/.dlite/run/docker.sock',
          });
        }
        if (prop === 'stop') set({ state: 'stopped', ip: null, dockerEndpoint: null, sleep: null });
        if (prop === 'sleep') {
          set({ state: 'stopping' });
          set({
            state: 'sleeping',
            ip: null,
            dockerEndpoint: null,
            sleep: { since: new Date().toISOString(), suspended: true, savedStateBytes: 200 * 2 ** 20 },
          });
        }
        if (prop === 'hostInfo') return Promise.resolve(ok({ installed: opts.installed ?? true }));
        return Promise.resolve(ok(status));
      };
    },
  });
  const port: HostPort = {
    connect: () =>
      Promise.resolve({ api, lost: new Promise<string>(() => undefined), close: () => undefined }),
  };
  return { port, calls, set, answers };
}

function config(port: HostPort, spawned: [string, readonly string[]][] = []): AppConfig {
  return {
    platform: 'darwin',
    hostPort: port,
    prefsStore: memoryPrefsStore(),
    rendererFile: RENDERER,
    rendererUrl: `file://${RENDERER}`,
    preloadPath: '/app/dist/preload/index.cjs',
    iconDir: '/app/resources/tray',
    dlite: { command: '/app/Dlite', args: ['/app/dist/cli/dlite.js'], env: { ELECTRON_RUN_AS_NODE: '1' } },
    cliPath: null,
    logger: { info: () => undefined, warn: () => undefined },
    terminal: {
      installed: () => true,
      writeScript: () => Promise.resolve(),
      spawnDetached: (c, a) => (spawned.push([c, a]), Promise.resolve()),
    },
  };
}

const settle = async () => {
  for (let i = 0; i < 20; i += 1) await new Promise((r) => setTimeout(r, 0));
};

describe('Electron main wiring (fake Electron objects)', () => {
  it('quits at once when another instance holds the lock', async () => {
    const e = fakeElectron({ lock: false });
    expect(await startApp(e.port, config(scriptedDaemon().port))).toBeNull();
    expect(e.calls).toContain('quit');
    expect(e.trays).toHaveLength(0);
  });

  it('hides the Dock icon, refuses permissions and serves every contract channel from trusted frames only', async () => {
    const e = fakeElectron();
    const app = await startApp(e.port, config(scriptedDaemon().port));
    expect(e.calls).toEqual(expect.arrayContaining(['dock.hide', 'denyPermissions']));
    expect([...e.handlers.keys()].sort()).toEqual(
      Object.values(INVOKE)
        .map((r) => r.channel)
        .sort(),
    );
    const refused = (await e.handlers.get(INVOKE.start.channel)!(
      { senderFrame: { url: 'https://x.example/', parent: null } },
      undefined,
    )) as { ok: boolean };
    expect(refused.ok).toBe(false);
    await app!.service.dispose();
  });

  it('drives the tray icon, tooltip and menu from the daemon’s state, and pushes state to windows', async () => {
    const e = fakeElectron();
    const daemon = scriptedDaemon();
    const app = await startApp(e.port, config(daemon.port));
    await settle();
    const tray = e.trays[0]!;
    expect(tray.images.at(-1)).toBe(path.join('/app/resources/tray', 'stoppedTemplate.png'));
    expect(tray.tooltip).toBe('Dlite — stopped');
    tray.listeners.get('click')!();
    const popover = e.windows[0]!;
    expect(popover.loaded).toEqual({ file: RENDERER, hash: 'popover' });
    expect(popover.options).toMatchObject({ width: 360, height: 440, frame: false });
    expect(popover.visible).toBe(true);
    expect(popover.position).toEqual([832, 28]);
    expect(popover.openHandler?.({ url: 'https://x' })).toEqual({ action: 'deny' });

    e.clickMenu('Start');
    await settle();
    expect(tray.images.at(-1)).toBe(path.join('/app/resources/tray', 'runningTemplate.png'));
    expect(tray.tooltip).toBe('Dlite — running (2 CPU, 2 GiB)');
    expect(
      popover.sent.filter(([c]) => c === PUSH.onState.channel).map(([, s]) => (s as VmStatus).state),
    ).toEqual(expect.arrayContaining(['starting', 'running']));
    // The popover was showing: the user saw the start finish, no notification.
    expect(e.notes).toEqual([]);
    tray.listeners.get('right-click')!();
    expect(tray.popped).toHaveLength(1);
    e.clickMenu('Copy DOCKER_HOST');
    expect(e.clipboard).toEqual(["export DOCKER_HOST='unix:///Users/Jo Doe/.dlite/run/docker.sock'"]);
    await app!.service.dispose();
  });

  it('puts the VM to sleep from the menu, shows it sleeping, and wakes it with Wake', async () => {
    const e = fakeElectron();
    const daemon = scriptedDaemon();
    const app = await startApp(e.port, config(daemon.port));
    await settle();
    const tray = e.trays[0]!;
    expect(e.menu().find((i) => i.label === 'Sleep Now')?.enabled).toBe(false);
    e.clickMenu('Start');
    await settle();
    e.clickMenu('Sleep Now');
    await settle();
    expect(daemon.calls).toContain('sleep');
    expect(tray.images.at(-1)).toBe(path.join('/app/resources/tray', 'sleepingTemplate.png'));
    expect(tray.tooltip).toBe('Dlite — sleeping (wakes on use)');
    expect(e.menu()[0]?.label).toBe('Sleeping (wakes on use)');
    expect(e.menu().find((i) => i.label === 'Sleep Now')?.enabled).toBe(false);
    expect(e.menu().find((i) => i.label === 'Stop')?.enabled).toBe(true);
    e.clickMenu('Wake');
    await settle();
    expect(daemon.calls.filter((c) => c === 'start')).toHaveLength(2);
    expect(tray.images.at(-1)).toBe(path.join('/app/resources/tray', 'runningTemplate.png'));
    await app!.service.dispose();
  });

  it('announces a start from the menu when no popover shows, and toggles launch at login', async () => {
    const e = fakeElectron();
    const app = await startApp(e.port, config(scriptedDaemon().port));
    await settle();
    e.clickMenu('Start');
    await settle();
    expect(e.notes).toEqual([
      {
        title: 'Dlite is running',
        body: 'Docker is ready at unix:///Users/Jo Doe/.dlite/run/docker.sock (2 CPU, 2 GiB).',
      },
    ]);
    e.clickMenu('Launch at Login');
    expect(e.calls).toContain('login:true');
    expect(e.menu().find((i) => i.label === 'Launch at Login')?.checked).toBe(true);
    await app!.service.dispose();
  });

  it('opens windows, the terminal and the folder picker through IPC', async () => {
    const e = fakeElectron();
    const spawned: [string, readonly string[]][] = [];
    const app = await startApp(e.port, config(scriptedDaemon().port, spawned));
    await settle();
    expect(await e.handlers.get(INVOKE.showWindow.channel)!(ours, 'settings')).toEqual(ok(undefined));
    const settings = e.windows.find((w) => w.loaded?.hash === 'settings')!;
    expect(settings.options).toMatchObject({ width: 640, height: 480, resizable: true });
    expect(await e.handlers.get(INVOKE.showWindow.channel)!(ours, 'nowhere')).toMatchObject({ ok: false });
    expect(await e.handlers.get(INVOKE.openTerminal.channel)!(ours, undefined)).toEqual(ok(undefined));
    expect(spawned[0]?.[0]).toBe('open');
    expect(spawned[0]?.[1].slice(0, 2)).toEqual(['-a', 'Terminal']);
    expect(await e.handlers.get(INVOKE.pickFolder.channel)!(ours, { defaultPath: '/Users/me' })).toEqual(
      ok('/Users/me/src'),
    );
    settings.bounds = { x: 50, y: 60, width: 700, height: 500 };
    settings.close();
    expect(app!.prefs.bounds('settings')).toEqual({ x: 50, y: 60, width: 700, height: 500 });
    await app!.service.dispose();
  });

  it('asks before quitting with the VM running, stops it, and remembers the answer', async () => {
    const e = fakeElectron();
    const daemon = scriptedDaemon();
    const app = await startApp(e.port, config(daemon.port));
    await settle();
    e.clickMenu('Start');
    await settle();
    e.answers.messageBox = { response: 0, checkboxChecked: true };
    e.port.app.quit();
    await settle();
    expect(e.dialogs).toHaveLength(1);
    expect(daemon.calls).toContain('stop');
    expect(e.calls.at(-1)).toBe('quit:done');
    expect(app!.prefs.prefs().quitAction).toBe('stop-vm');
    expect(e.trays[0]!.destroyed).toBe(true);
  });

  it('shows the popover on first launch when the Dlite home is not set up, and on a second instance', async () => {
    const e = fakeElectron();
    const app = await startApp(e.port, config(scriptedDaemon({ installed: false }).port));
    await settle();
    expect(e.windows[0]?.loaded?.hash).toBe('popover');
    expect(e.windows[0]?.visible).toBe(true);
    e.windows[0]!.emit('blur');
    expect(e.windows[0]?.visible).toBe(false);
    e.emitApp('second-instance');
    expect(e.windows[0]?.visible).toBe(true);
    await app!.service.dispose();
  });

  it('explains the daemon’s system-file question once and sends the answer back', async () => {
    const e = fakeElectron();
    const daemon = scriptedDaemon();
    const app = await startApp(e.port, config(daemon.port));
    await settle();
    e.answers.messageBox = { response: 2, checkboxChecked: false };
    const pending = {
      id: 'q1',
      title: 'Dlite needs your password to change 1 system file',
      changes: [
        { file: '/etc/hosts', action: 'add "127.0.0.1 local.docker"', why: 'so local.docker reaches the VM' },
      ],
      ifDeclined: ['local.docker does not resolve: use 127.0.0.1 instead'],
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    };
    daemon.set({ hostIntegration: { pending, degraded: [] } });
    daemon.set({ hostIntegration: { pending, degraded: [] } });
    await settle();
    expect(e.dialogs).toHaveLength(1);
    expect(e.dialogs[0]).toMatchObject({
      message: 'Dlite needs your password to change 1 system file',
      buttons: ['Continue', 'Not Now', 'Don’t Ask Again'],
    });
    expect((e.dialogs[0] as { detail: string }).detail).toContain('/etc/hosts: add "127.0.0.1 local.docker"');
    expect(daemon.answers).toEqual([{ id: 'q1', answer: 'never' }]);
    await app!.service.dispose();
  });
});

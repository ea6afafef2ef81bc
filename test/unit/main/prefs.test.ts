import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import {
  DEFAULT_PREFS,
  readStoredPrefs,
  validatePrefsPatch,
} from '../../../electron/main/prefs/app-prefs.js';
import { PrefsService } from '../../../electron/main/prefs/prefs-service.js';
import { memoryPrefsStore } from '../../../electron/main/prefs/prefs-store.js';

// Outside Electron, `import 'electron'` is the binary's path, and throws when the binary was never
// downloaded unless this is set. electron-store then runs as in main, given an explicit cwd.
process.env['ELECTRON_OVERRIDE_DIST_PATH'] ??= '/nonexistent-electron';
const { electronPrefsStore } = await import('../../../electron/main/prefs/electron-prefs-store.js');

describe('stored preferences', () => {
  it('keep each valid value and fall back per field, never failing on a hand-edited file', () => {
    expect(readStoredPrefs(null)).toEqual(DEFAULT_PREFS);
    expect(
      readStoredPrefs({
        terminal: 'iterm2',
        quitAction: 'sometimes',
        windows: {
          settings: { x: 10, y: 20, width: 640, height: 480 },
          logs: { x: 1, y: 2, width: -5, height: 3 },
        },
        extra: true,
      }),
    ).toEqual({
      terminal: 'iterm2',
      quitAction: 'ask',
      windows: { settings: { x: 10, y: 20, width: 640, height: 480 } },
    });
  });

  it.each([
    [
      { terminal: 'xterm' },
      'terminal: must be one of auto, terminal, iterm2, ghostty, wezterm, x-terminal-emulator, gnome-terminal, konsole',
    ],
    [{ quitAction: 'never' }, 'quitAction: must be one of ask, stop-vm, leave-running'],
    [{ launchAtLogin: 'yes' }, 'launchAtLogin: must be true or false'],
    [{ windows: {} }, 'windows: unknown preference'],
    [[], 'preferences: a change must be an object'],
  ])('refuse %j with one line naming the field', (patch, message) => {
    const r = validatePrefsPatch(patch);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe(message);
  });
});

describe('PrefsService', () => {
  function service(supported = true) {
    let login = false;
    const store = memoryPrefsStore();
    const prefs = new PrefsService({
      store,
      platform: 'darwin',
      version: '1.2.3',
      cliPath: '/Applications/Dlite.app/Contents/Resources/bin/dlite',
      loginItem: { supported, isEnabled: () => login, setEnabled: (on) => (login = on) },
    });
    return { prefs, store, login: () => login };
  }

  it('sets launch at login in the system and reads it back; saves the rest; tells listeners', () => {
    const { prefs, store, login } = service();
    const seen: unknown[] = [];
    prefs.onChange((i) => seen.push(i.prefs));
    const r = prefs.update({ launchAtLogin: true, terminal: 'ghostty' });
    expect(r.ok && r.value.prefs).toEqual({
      launchAtLogin: true,
      terminal: 'ghostty',
      quitAction: 'ask',
    });
    expect(login()).toBe(true);
    expect(store.read().terminal).toBe('ghostty');
    expect(seen).toHaveLength(1);
    expect(prefs.info()).toMatchObject({
      version: '1.2.3',
      terminals: ['auto', 'terminal', 'iterm2', 'ghostty', 'wezterm'],
      launchAtLoginSupported: true,
    });
  });

  it('applies nothing when one field is bad, and says when login items are not available', () => {
    const { prefs, store } = service(false);
    expect(prefs.update({ terminal: 'ghostty', quitAction: 'never' }).ok).toBe(false);
    expect(store.read().terminal).toBe('auto');
    const r = prefs.update({ launchAtLogin: true });
    expect(r.ok || r.error).toMatchObject({ code: 'not-supported', details: { field: 'launchAtLogin' } });
    expect(prefs.prefs().launchAtLogin).toBe(false);
  });

  it('remembers the quit answer and window places', () => {
    const { prefs } = service();
    prefs.setQuitAction('leave-running');
    prefs.saveBounds('settings', { x: 5, y: 6, width: 700, height: 500 });
    expect(prefs.prefs().quitAction).toBe('leave-running');
    expect(prefs.bounds('settings')).toEqual({ x: 5, y: 6, width: 700, height: 500 });
  });
});

describe('electron-store adapter', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('persists across instances in preferences.json', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dl-prefs-'));
    electronPrefsStore({ cwd: dir }).write({
      quitAction: 'stop-vm',
      windows: { logs: { x: 1, y: 2, width: 700, height: 400 } },
    });
    expect(electronPrefsStore({ cwd: dir }).read()).toMatchObject({
      quitAction: 'stop-vm',
      windows: { logs: { width: 700 } },
    });
    expect(JSON.parse(readFileSync(path.join(dir, 'preferences.json'), 'utf8'))).toMatchObject({
      quitAction: 'stop-vm',
    });
  });

  it('moves a file that is not JSON aside, byte for byte, and starts from defaults', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dl-prefs-'));
    writeFileSync(path.join(dir, 'preferences.json'), '{"quitAction": "stop-vm",');
    const store = electronPrefsStore({ cwd: dir, now: () => new Date('2026-01-02T03:04:05.000Z') });
    expect(store.read()).toEqual(DEFAULT_PREFS);
    expect(readdirSync(dir)).toContain('preferences.json.invalid-2026-01-02T03-04-05.000Z');
    expect(readFileSync(path.join(dir, 'preferences.json.invalid-2026-01-02T03-04-05.000Z'), 'utf8')).toBe(
      '{"quitAction": "stop-vm",',
    );
  });
});

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

import {
  TRAY_GLYPHS,
  trayFrames,
  trayIconFile,
  trayTooltip,
  type TrayView,
} from '../../../electron/main/tray/tray-icon.js';
import { buildTrayMenu, type TrayMenuState } from '../../../electron/main/tray/tray-menu.js';
import type { VmStatus } from '../../../electron/shared/types.js';
import { STOPPED_STATUS } from '../../fixtures/vm-status.js';

const ICONS = path.resolve(import.meta.dirname, '../../../resources/tray');
const READY = { phase: 'ready', message: null } as const;

function view(state: string, extra: Partial<VmStatus> = {}): TrayMenuState {
  return {
    status: { ...STOPPED_STATUS, ...extra, state: state as VmStatus['state'] },
    progress: null,
    service: READY,
    launchAtLogin: false,
    launchAtLoginSupported: true,
    withOpenItem: false,
  };
}

const enabled = (s: TrayMenuState): Record<string, boolean> =>
  Object.fromEntries(
    buildTrayMenu(s)
      .filter((i) => i.action)
      .map((i): [string, boolean] => [i.action ?? '', i.enabled ?? true]),
  );

describe('buildTrayMenu', () => {
  it.each([
    [
      'stopped',
      {
        start: true,
        stop: false,
        restart: false,
        sleep: false,
        'open-terminal': false,
        'copy-docker-host': false,
      },
    ],
    [
      'starting',
      { start: false, stop: true, restart: false, 'open-terminal': false, 'copy-docker-host': false },
    ],
    [
      'running',
      {
        start: false,
        stop: true,
        restart: true,
        sleep: true,
        'open-terminal': true,
        'copy-docker-host': true,
      },
    ],
    [
      'stopping',
      { start: false, stop: false, restart: false, 'open-terminal': false, 'copy-docker-host': false },
    ],
    ['error', { start: true, stop: true, restart: true, 'open-terminal': false, 'copy-docker-host': false }],
    [
      'sleeping',
      {
        start: true,
        stop: true,
        restart: false,
        sleep: false,
        'open-terminal': false,
        'copy-docker-host': false,
      },
    ],
  ])('enables actions by state: %s', (state, expected) => {
    const s = view(state, state === 'running' ? { ip: '127.0.0.1', dockerEndpoint: 'unix:///d.sock' } : {});
    expect(enabled(s)).toMatchObject({ ...expected, settings: true, logs: true, quit: true });
  });

  it('starts with the state in words, with the step while starting and the IP while running', () => {
    expect(buildTrayMenu(view('stopped'))[0]).toEqual({
      type: 'normal',
      label: 'Dlite is stopped',
      enabled: false,
    });
    const starting = {
      ...view('starting'),
      progress: {
        operation: 'start',
        step: 'wait-ssh',
        description: 'Waiting for SSH',
        current: 4,
        max: 7,
      } as const,
    };
    expect(buildTrayMenu(starting)[0]?.label).toBe('Starting: Waiting for SSH (4/7)');
    const running = buildTrayMenu(view('running', { ip: '127.0.0.1' }));
    expect(running.slice(0, 2).map((i) => i.label)).toEqual(['Dlite is running', 'local.docker · 127.0.0.1']);
    expect(buildTrayMenu(view('sleeping'))[0]?.label).toBe('Sleeping (wakes on use)');
    const failed = view('error', {
      failure: { step: 'wait-docker', message: 'no answer', lastConsoleLines: [] },
    });
    expect(buildTrayMenu(failed)[0]?.label).toBe('Error: wait-docker failed');
  });

  it('while sleeping, Start reads Wake (it continues the saved VM); Sleep Now only while running', () => {
    const labels = (state: string) =>
      buildTrayMenu(view(state))
        .filter((i) => i.action === 'start' || i.action === 'sleep')
        .map((i) => i.label);
    expect(labels('sleeping')).toEqual(['Wake', 'Sleep Now']);
    expect(labels('stopped')).toEqual(['Start', 'Sleep Now']);
  });

  it('reflects launch at login as a checkbox, and ends with Quit', () => {
    const items = buildTrayMenu({ ...view('stopped'), launchAtLogin: true });
    expect(items.find((i) => i.action === 'toggle-login')).toMatchObject({
      type: 'checkbox',
      checked: true,
      enabled: true,
    });
    expect(items.at(-1)).toMatchObject({ label: 'Quit Dlite', action: 'quit' });
    const unsupported = buildTrayMenu({ ...view('stopped'), launchAtLoginSupported: false });
    expect(unsupported.find((i) => i.action === 'toggle-login')?.enabled).toBe(false);
  });

  it('while the service is not ready: says so, disables VM actions and offers Try Again after a failure', () => {
    const connecting = { ...view('running'), service: { phase: 'connecting', message: null } as const };
    expect(buildTrayMenu(connecting)[0]?.label).toBe('Starting Dlite service…');
    expect(enabled(connecting)).toMatchObject({ start: false, stop: false, restart: false });
    const failed = { ...view('stopped'), service: { phase: 'failed', message: 'exit code 1' } as const };
    expect(buildTrayMenu(failed).map((i) => i.label)).toContain('Try Again');
  });

  it('adds Open Dlite… where tray clicks open the menu (Linux)', () => {
    expect(buildTrayMenu({ ...view('stopped'), withOpenItem: true })[1]).toMatchObject({
      action: 'show-popover',
    });
    expect(buildTrayMenu(view('stopped')).some((i) => i.action === 'show-popover')).toBe(false);
  });
});

describe('tray icon per state', () => {
  const v = (state: string): TrayView => ({
    status: { ...STOPPED_STATUS, state: state as VmStatus['state'] },
    progress: null,
    service: READY,
  });

  it.each([
    ['stopped', ['stopped']],
    ['running', ['running']],
    ['starting', ['busy-1', 'busy-2', 'busy-3']],
    ['stopping', ['busy-3', 'busy-2', 'busy-1']],
    ['error', ['error']],
    ['sleeping', ['sleeping']],
  ])('%s → %j', (state, frames) => {
    expect(trayFrames(v(state))).toEqual(frames);
  });

  it('animates while the service starts and shows the error glyph when it failed', () => {
    expect(
      trayFrames({ status: null, progress: null, service: { phase: 'connecting', message: null } }),
    ).toHaveLength(3);
    expect(trayFrames({ status: null, progress: null, service: { phase: 'failed', message: 'x' } })).toEqual([
      'error',
    ]);
  });

  it('uses template images on macOS and colour images elsewhere', () => {
    expect(trayIconFile('running', 'darwin')).toBe('runningTemplate.png');
    expect(trayIconFile('running', 'linux')).toBe('running.png');
  });

  it('says the state in words in the tooltip', () => {
    expect(
      trayTooltip({
        ...v('running'),
        status: { ...STOPPED_STATUS, state: 'running', cpus: 2, memoryGiB: 4 },
      }),
    ).toBe('Dlite — running (2 CPU, 4 GiB)');
    expect(trayTooltip(v('sleeping'))).toBe('Dlite — sleeping (wakes on use)');
  });
});

/** Width, height and RGBA pixels of a PNG written by draw-icons.mjs (8-bit RGBA, filter 0). */
function decodePng(file: string): { width: number; height: number; pixels: Buffer } {
  const buf = readFileSync(file);
  expect(buf.subarray(1, 4).toString()).toBe('PNG');
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const idat: Buffer[] = [];
  for (let o = 8; o < buf.length;) {
    const len = buf.readUInt32BE(o);
    if (buf.subarray(o + 4, o + 8).toString() === 'IDAT') idat.push(buf.subarray(o + 8, o + 8 + len));
    o += len + 12;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    raw.copy(pixels, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  }
  return { width, height, pixels };
}

describe('tray icon files', () => {
  it.each(TRAY_GLYPHS)(
    '%s: 16 px and 32 px, template black with alpha, colour variant for Linux',
    (glyph) => {
      for (const [suffix, size] of [
        ['', 16],
        ['@2x', 32],
      ] as const) {
        const template = decodePng(path.join(ICONS, `${glyph}Template${suffix}.png`));
        expect([template.width, template.height]).toEqual([size, size]);
        let opaque = 0;
        for (let i = 0; i < template.pixels.length; i += 4) {
          expect(template.pixels.readUIntBE(i, 3)).toBe(0); // black: macOS tints by alpha only
          if (template.pixels[i + 3]! > 0) opaque += 1;
        }
        expect(opaque).toBeGreaterThan(size * 2);
        const colour = decodePng(path.join(ICONS, `${glyph}${suffix}.png`));
        expect(colour.width).toBe(size);
        let coloured = false;
        for (let i = 0; i < colour.pixels.length; i += 4) {
          if (colour.pixels[i + 3]! > 0 && colour.pixels.readUIntBE(i, 3) !== 0) coloured = true;
        }
        expect(coloured).toBe(true);
      }
    },
  );

  it('has a distinct picture per state', () => {
    const pictures = TRAY_GLYPHS.map((g) =>
      readFileSync(path.join(ICONS, `${g}Template@2x.png`)).toString('base64'),
    );
    expect(new Set(pictures).size).toBe(TRAY_GLYPHS.length);
    expect(readdirSync(ICONS).filter((f) => f.endsWith('.png'))).toHaveLength(TRAY_GLYPHS.length * 4);
  });
});

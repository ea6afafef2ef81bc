import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';

import { installLayout } from '../../../electron/main/install-layout.js';

const REPO = path.resolve(import.meta.dirname, '../../..');

interface FileSet {
  from: string;
  to: string;
  filter?: string[];
}
interface BuilderConfig {
  appId: string;
  productName: string;
  asar: boolean;
  files: string[];
  extraResources: FileSet[];
  mac: {
    target: { target: string; arch: string[] }[];
    hardenedRuntime: boolean;
    entitlements: string;
    entitlementsInherit: string;
    extendInfo: Record<string, unknown>;
  };
  linux: { target: string[]; executableName: string };
}

const config = load(readFileSync(path.join(REPO, 'build/electron-builder.yml'), 'utf8')) as BuilderConfig;

describe('build/electron-builder.yml (the Electron binary cannot run here: the fields that matter)', () => {
  it('is what npm run dist:mac builds with', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts['dist:mac']).toContain('--config build/electron-builder.yml');
    expect(config.productName).toBe('Dlite');
    expect(config.appId).toMatch(/^[a-z0-9.-]+$/);
  });

  it('builds a dmg and a zip for Apple Silicon and Intel', () => {
    expect(config.mac.target).toEqual([
      { target: 'dmg', arch: ['arm64', 'x64'] },
      { target: 'zip', arch: ['arm64', 'x64'] },
    ]);
  });

  it('is a menu-bar app (LSUIElement) with the hardened runtime and the drivers’ entitlements', () => {
    expect(config.mac.extendInfo['LSUIElement']).toBe(true);
    expect(config.mac.extendInfo['NSAppleEventsUsageDescription']).toMatch(/iTerm2/);
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(config.mac.entitlements).toBe('build/entitlements.mac.plist');
    expect(config.mac.entitlementsInherit).toBe('build/entitlements.mac.plist');
    const plist = readFileSync(path.join(REPO, config.mac.entitlements), 'utf8');
    const granted = [...plist.matchAll(/<key>([^<]+)<\/key>\s*<true\/>/g)].map((m) => m[1]);
    expect(granted).toEqual(
      expect.arrayContaining([
        'com.apple.security.cs.allow-jit',
        'com.apple.security.virtualization',
        'com.apple.security.hypervisor',
        'com.apple.security.automation.apple-events',
      ]),
    );
  });

  it('ships the built app, and the tray icons, the dlite command and the guest OS as extra resources', () => {
    expect(config.asar).toBe(false);
    expect(config.files).toEqual(
      expect.arrayContaining(['dist/main/**', 'dist/preload/**', 'dist/renderer/**', 'dist/cli/**']),
    );
    const extra = Object.fromEntries(config.extraResources.map((r) => [r.to, r]));
    expect(extra['tray']?.from).toBe('resources/tray');
    expect(extra['bin']?.from).toBe('resources/bin');
    expect(extra['os']).toMatchObject({ from: 'build/os/out' });
    expect(extra['os']?.filter).toEqual(expect.arrayContaining(['*/manifest.json', '*/bzImage', '*/Image']));
    for (const r of ['resources/tray', 'resources/bin/dlite']) {
      expect(existsSync(path.join(REPO, r))).toBe(true);
    }
    expect(statSync(path.join(REPO, 'resources/bin/dlite')).mode & 0o111).not.toBe(0);
  });

  it('builds an AppImage and a deb for Linux, the app binary not named like the CLI', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.linux.executableName).not.toBe('dlite');
  });

  it('agrees with where main looks for its parts in a packaged app', () => {
    const layout = installLayout({
      here: '/Applications/Dlite.app/Contents/Resources/app/dist/main',
      packaged: true,
      resourcesPath: '/Applications/Dlite.app/Contents/Resources',
      execPath: '/Applications/Dlite.app/Contents/MacOS/Dlite',
      arch: 'arm64',
    });
    expect(layout.iconDir).toBe('/Applications/Dlite.app/Contents/Resources/tray');
    expect(layout.cliPath).toBe('/Applications/Dlite.app/Contents/Resources/bin/dlite');
    expect(layout.dlite).toEqual({
      command: '/Applications/Dlite.app/Contents/MacOS/Dlite',
      args: ['/Applications/Dlite.app/Contents/Resources/app/dist/cli/dlite.js'],
      env: {
        ELECTRON_RUN_AS_NODE: '1',
        DLITE_OS_IMAGE: '/Applications/Dlite.app/Contents/Resources/os/arm64',
      },
    });
    expect(layout.rendererFile).toBe(
      '/Applications/Dlite.app/Contents/Resources/app/dist/renderer/index.html',
    );
  });
});

describe('the bundled dlite command, in an app bundle laid out as electron-builder does', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dl-bundle-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('runs the CLI under the app’s binary as Node, with the bundled OS image, through a PATH link', () => {
    const contents = path.join(tmp, 'My Apps', 'Dlite.app', 'Contents');
    mkdirSync(path.join(contents, 'MacOS'), { recursive: true });
    mkdirSync(path.join(contents, 'Resources', 'bin'), { recursive: true });
    // The app binary, standing in: prints what it was run with.
    const fakeApp = path.join(contents, 'MacOS', 'Dlite');
    writeFileSync(
      fakeApp,
      '#!/bin/sh\nprintf "%s\\n" "node=$ELECTRON_RUN_AS_NODE" "image=$DLITE_OS_IMAGE" "$@"\n',
    );
    chmodSync(fakeApp, 0o755);
    cpSync(path.join(REPO, 'resources/bin/dlite'), path.join(contents, 'Resources', 'bin', 'dlite'));
    const link = path.join(tmp, 'usr-local-bin-dlite');
    symlinkSync(path.join(contents, 'Resources', 'bin', 'dlite'), link);
    const out = execFileSync(link, ['status', '--json'], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] },
    });
    const arch = ['arm64', 'aarch64'].includes(os.arch()) ? 'arm64' : 'amd64';
    expect(out.trim().split('\n')).toEqual([
      'node=1',
      `image=${path.join(contents, 'Resources', 'os', arch)}`,
      path.join(contents, 'Resources', 'app', 'dist', 'cli', 'dlite.js'),
      'status',
      '--json',
    ]);
  });
});

import { ESLint } from 'eslint';
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');

/** Lints a probe file written at `relDir` inside the real tree with the project's own config. */
async function lintProbe(relDir: string, source: string, ext = 'ts'): Promise<string[]> {
  const file = path.join(root, relDir, `lint-probe-${randomUUID().slice(0, 8)}.${ext}`);
  await writeFile(file, source);
  try {
    const eslint = new ESLint({ cwd: root });
    const [result] = await eslint.lintFiles([file]);
    return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  } finally {
    await rm(file, { force: true });
  }
}

describe('layer boundaries (npm run lint)', () => {
  it('fails when electron/core imports electron', async () => {
    const messages = await lintProbe(
      'electron/core',
      "import { app } from 'electron';\nexport const a = app;\n",
    );
    expect(messages.join('\n')).toMatch(/must not depend on Electron/);
  });

  it('fails when electron/core imports electron-store or sudo-prompt or main/', async () => {
    const src = [
      "import Store from 'electron-store';",
      "import sudo from '@vscode/sudo-prompt';",
      "import { registerIpcHandlers } from '../main/register-ipc.js';",
      'export const all = [Store, sudo, registerIpcHandlers];',
      '',
    ].join('\n');
    expect(await lintProbe('electron/core', src)).toHaveLength(3);
  });

  it('fails when electron/shared imports Node built-ins', async () => {
    const messages = await lintProbe('electron/shared', "import fs from 'node:fs';\nexport const f = fs;\n");
    expect(messages).toHaveLength(1);
  });

  it('fails when the renderer imports electron or core', async () => {
    const src =
      "import { ipcRenderer } from 'electron';\nimport { resolvePaths } from '../../electron/core/paths.js';\nexport const x = [ipcRenderer, resolvePaths];\n";
    expect(await lintProbe('renderer/src', src)).toHaveLength(2);
  });

  it('accepts a core file that only uses Node and shared', async () => {
    const src =
      "import os from 'node:os';\nimport { ok } from '../shared/errors.js';\nexport const r = ok(os.platform());\n";
    expect(await lintProbe('electron/core', src)).toEqual([]);
  });
});

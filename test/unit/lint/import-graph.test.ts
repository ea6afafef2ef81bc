import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative import (static, type-only and dynamic) of every file under electron/. */
function graph(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of files(path.join(root, 'electron'))) {
    const text = readFileSync(file, 'utf8');
    const specs = [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
    out.set(
      path.relative(root, file),
      specs.map((s) => path.relative(root, path.resolve(path.dirname(file), s)).replace(/\.js$/, '.ts')),
    );
  }
  return out;
}

function cycleFrom(g: Map<string, string[]>, start: string, within: (f: string) => boolean): string[] | null {
  const stack: string[] = [];
  const seen = new Set<string>();
  const visit = (f: string): string[] | null => {
    if (stack.includes(f)) return [...stack.slice(stack.indexOf(f)), f];
    if (seen.has(f) || !within(f)) return null;
    seen.add(f);
    stack.push(f);
    for (const next of g.get(f) ?? []) {
      const c = visit(next);
      if (c) return c;
    }
    stack.pop();
    return null;
  };
  return visit(start);
}

describe('import graph', () => {
  const g = graph();
  const importers = (target: string): string[] =>
    [...g]
      .filter(([, deps]) => deps.includes(target))
      .map(([f]) => f)
      .sort();

  it('has no import circle in electron/cli', () => {
    for (const file of [...g.keys()].filter((f) => f.startsWith('electron/cli/'))) {
      expect(
        cycleFrom(g, file, (f) => f.startsWith('electron/cli/')),
        file,
      ).toBeNull();
    }
  });

  it('has core/host as the one owner of a home: it alone composes the supervisor and serves the control socket', () => {
    expect(
      importers('electron/core/supervisor/supervisor.ts').every(
        (f) => f.startsWith('electron/core/host/') || f.startsWith('electron/core/supervisor/'),
      ),
    ).toBe(true);
    expect(importers('electron/core/control/server.ts')).toEqual(['electron/core/host/host-supervisor.ts']);
    expect(importers('electron/core/control/client.ts')).toEqual(['electron/core/host/connect-host.ts']);
    expect(
      importers('electron/core/host/compose.ts').every(
        (f) => f.startsWith('electron/core/host/') || f.startsWith('electron/cli/'),
      ),
    ).toBe(true);
  });

  it('lets the clients reach a host only through core/host', () => {
    for (const [file, deps] of g) {
      if (!file.startsWith('electron/cli/') && !file.startsWith('electron/main/')) continue;
      for (const dep of deps) {
        expect(
          dep.startsWith('electron/core/control/') || dep.startsWith('electron/core/supervisor/'),
          `${file} → ${dep}`,
        ).toBe(false);
      }
    }
  });
});

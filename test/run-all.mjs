// The test command: lint, format, typecheck, build, the guest OS image (cached), every Vitest
// project and the Playwright suite. Runs every step even after a failure, then prints
// `N passed, N failed` summed over all of them; exits non-zero when anything failed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { RESULTS_DIR, summarize } from './summary.mjs';

const only = process.argv.slice(2);
const steps = [
  { name: 'lint', cmd: ['npx', 'eslint', '.'] },
  { name: 'format', cmd: ['npx', 'prettier', '--check', '.'] },
  { name: 'typecheck', cmd: ['npx', 'tsc', '-b', 'tsconfig.json'] },
  { name: 'build', cmd: ['npm', 'run', 'build'] },
  { name: 'build-os', cmd: ['npm', 'run', 'build:os'] },
  // The arm64 image (test/vm/arm64.test.ts) and a bookworm one the upgrade test starts from
  // (test/vm/engine.test.ts; only a test input, so a quick compression level). Both cached by inputs.
  { name: 'build-os-arm64', cmd: ['npm', 'run', 'build:os', '--', '--arch', 'arm64'] },
  {
    name: 'build-os-bookworm',
    cmd: ['npm', 'run', 'build:os', '--', '--out', 'build/os/out/amd64-bookworm'],
    env: { DLITE_OS_SUITE: 'bookworm', DLITE_OS_ZSTD_LEVEL: '3' },
  },
  {
    name: 'unit',
    kind: 'vitest',
    report: 'vitest-unit.json',
    cmd: [
      'npx',
      'vitest',
      'run',
      '--project',
      'node',
      '--project',
      'dom',
      '--reporter=default',
      '--reporter=json',
      `--outputFile=${path.join(RESULTS_DIR, 'vitest-unit.json')}`,
    ],
  },
  {
    name: 'vm',
    kind: 'vitest',
    report: 'vitest-vm.json',
    cmd: [
      'npx',
      'vitest',
      'run',
      '--project',
      'vm',
      '--reporter=default',
      '--reporter=json',
      `--outputFile=${path.join(RESULTS_DIR, 'vitest-vm.json')}`,
    ],
  },
  { name: 'e2e', kind: 'playwright', report: 'playwright.json', cmd: ['npx', 'playwright', 'test'] },
].filter((s) => only.length === 0 || only.includes(s.name));

rmSync(RESULTS_DIR, { recursive: true, force: true });
mkdirSync(RESULTS_DIR, { recursive: true });
const ledger = [];
for (const step of steps) {
  const started = Date.now();
  console.log(`\n=== ${step.name}: ${step.cmd.join(' ')}`);
  const r = spawnSync(step.cmd[0], step.cmd.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, ...step.env, FORCE_COLOR: '0' },
  });
  const exitCode = r.status ?? 1;
  ledger.push({
    name: step.name,
    kind: step.kind,
    report: step.report,
    exitCode,
    seconds: (Date.now() - started) / 1000,
  });
  writeFileSync(path.join(RESULTS_DIR, 'steps.json'), JSON.stringify(ledger, null, 2));
  console.log(`=== ${step.name}: exit ${exitCode} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
const { passed, failed, lines } = summarize();
console.log('\n' + lines.join('\n'));
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;

// Sums every runner's JSON report in test-results/ into one line: `N passed, N failed`.
// Used by test/run-all.mjs and printed last by .ci/run.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_DIR = path.join(root, 'test-results');

/** Counts from a Vitest JSON report (Jest-compatible shape). */
function vitestCounts(report) {
  return {
    passed: report.numPassedTests ?? 0,
    failed: (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0),
  };
}

/** Counts from a Playwright JSON report. */
function playwrightCounts(report) {
  const s = report.stats ?? {};
  return {
    passed: (s.expected ?? 0) + (s.flaky ?? 0),
    failed: (s.unexpected ?? 0) + (report.errors?.length ?? 0),
  };
}

/** Reads the step ledger and reports; a step whose report is missing counts as one failure. */
export function summarize() {
  const ledgerFile = path.join(RESULTS_DIR, 'steps.json');
  const steps = existsSync(ledgerFile) ? JSON.parse(readFileSync(ledgerFile, 'utf8')) : [];
  let passed = 0;
  let failed = 0;
  const lines = [];
  for (const step of steps) {
    let counts;
    if (step.report) {
      const file = path.join(RESULTS_DIR, step.report);
      if (existsSync(file)) {
        const report = JSON.parse(readFileSync(file, 'utf8'));
        counts = step.kind === 'playwright' ? playwrightCounts(report) : vitestCounts(report);
        if (step.exitCode !== 0 && counts.failed === 0) counts.failed = 1;
      } else {
        counts = { passed: 0, failed: 1 };
      }
    } else {
      counts = step.exitCode === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
    }
    passed += counts.passed;
    failed += counts.failed;
    lines.push(`${step.name}: ${counts.passed} passed, ${counts.failed} failed`);
  }
  if (steps.length === 0) failed = 1;
  return { passed, failed, lines };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { passed, failed } = summarize();
  console.log(`${passed} passed, ${failed} failed`);
}

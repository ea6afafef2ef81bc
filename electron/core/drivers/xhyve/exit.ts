/**
 * What an xhyve exit means (REFERENCE.md 1.2): 0 guest reset, 1 guest poweroff **or** almost any
 * error, 2 halt, 3 triple fault, 64 bad `-l`/`-m` (and our launcher's refusals), 100 invalid
 * suspend reason. A power-off and a failure both exit 1: they are told apart by how long the VM
 * ran and by what xhyve printed on stderr.
 */

/** A VM that exits 1 sooner than this after launch, unasked, failed to start. */
export const MIN_CLEAN_UPTIME_MS = 10_000;

export interface XhyveExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** Milliseconds from launch to exit. */
  readonly uptimeMs: number;
  /** xhyve's (and the launcher's) stderr lines. */
  readonly stderr: readonly string[];
  /** True when Dlite asked the guest to power off (SIGTERM → ACPI power button). */
  readonly stopRequested: boolean;
}

export interface XhyveExitMeaning {
  /** True for a guest power-off (asked for, or by the guest itself after a normal run). */
  readonly clean: boolean;
  /** One line for logs and failure details. */
  readonly reason: string;
}

/** stderr lines that carry no error (xhyve is silent on a clean run; sudo may warn about lectures). */
function errorLines(stderr: readonly string[]): string[] {
  return stderr.map((l) => l.trim()).filter((l) => l !== '' && !/^sudo: .*lecture/i.test(l));
}

/** Interprets an xhyve exit. Pure. */
export function interpretXhyveExit(e: XhyveExit): XhyveExitMeaning {
  const errors = errorLines(e.stderr);
  const said = errors.length > 0 ? `: ${errors.at(-1)}` : '';
  if (e.code === null) {
    return { clean: false, reason: `xhyve was killed by ${e.signal ?? 'a signal'}${said}` };
  }
  switch (e.code) {
    case 1:
      if (errors.length === 0 && (e.stopRequested || e.uptimeMs >= MIN_CLEAN_UPTIME_MS)) {
        return { clean: true, reason: 'the guest powered off' };
      }
      return {
        clean: false,
        reason:
          errors.length > 0
            ? `xhyve failed${said}`
            : `xhyve exited 1 after ${(e.uptimeMs / 1000).toFixed(1)} s without printing why (see log/console.log)`,
      };
    case 0:
      return { clean: false, reason: `the guest rebooted (xhyve exits on reset)${said}` };
    case 2:
      return { clean: e.stopRequested, reason: `the guest halted${said}` };
    case 3:
      return { clean: false, reason: `the guest triple-faulted${said}` };
    case 64:
      return { clean: false, reason: `xhyve refused its arguments${said}` };
    default:
      return {
        clean: false,
        reason: `xhyve exited with code ${e.code}${e.code > 128 ? ` (signal ${e.code - 128})` : ''}${said}`,
      };
  }
}

import type { DegradedFeatureDto, PrivilegedChangesSetting } from '../../shared/types.js';
import type { Logger } from '../log/logger.js';
import { planHostChanges, type DesiredHostState, type PlannedChange } from './plan.js';
import type { PrivilegedQuestions } from './questions.js';
import { PrivilegeDeclinedError, type PrivilegedRunner } from './runner.js';

export interface HostIntegrationDeps {
  readonly runner: PrivilegedRunner;
  readonly questions: PrivilegedQuestions;
  readonly logger: Logger;
  /** Saves `privileged_changes: never` ("Don't ask again"). */
  readonly neverAskAgain: () => Promise<void>;
  /** Where the system files are read ('/' except in tests; the helper has its own fixed root). */
  readonly root?: string;
}

/** What one host-integration step did. */
export interface IntegrationOutcome {
  /** The helper's message of each change made. */
  readonly applied: readonly string[];
  /** What does not work, one line each (declined, failed, or blocked by another tool). */
  readonly degraded: readonly DegradedFeatureDto[];
  /** True when the user was asked (at most once per step). */
  readonly asked: boolean;
}

function explain(changes: readonly PlannedChange[]): {
  title: string;
  changes: PlannedChange['change'][];
  ifDeclined: string[];
} {
  const files = new Set(changes.map((c) => c.change.file));
  return {
    title: `Dlite needs an administrator password to change ${files.size === 1 ? 'one system file' : `${files.size} system files`}`,
    changes: changes.map((c) => c.change),
    ifDeclined: changes.map((c) => c.ifDeclined),
  };
}

const skipped = (changes: readonly PlannedChange[], why?: string): DegradedFeatureDto[] =>
  changes.map((c) => ({ feature: c.feature, message: why ? `${c.ifDeclined} (${why})` : c.ifDeclined }));

/**
 * Brings the host to `desired`: plans the changes (nothing when all is in place), then, unless
 * `mode` is `never`, runs them in ONE elevation: silently when that needs nobody (root, or
 * `sudo -n true`), else after one explained question. A "no" is a normal outcome: the start goes
 * on and the outcome lists what does not work.
 */
export async function integrateHost(
  desired: DesiredHostState,
  mode: PrivilegedChangesSetting,
  deps: HostIntegrationDeps,
  signal: AbortSignal,
): Promise<IntegrationOutcome> {
  const plan = await planHostChanges(desired, deps.root);
  const { changes } = plan;
  const problems = [...plan.problems];
  if (changes.length === 0) return { applied: [], degraded: problems, asked: false };
  if (mode === 'never') {
    return {
      applied: [],
      degraded: [...problems, ...skipped(changes, 'privileged_changes is never')],
      asked: false,
    };
  }
  let asked = false;
  if (!(await deps.runner.canRunSilently())) {
    asked = true;
    const answer = await deps.questions.ask(explain(changes), signal);
    deps.logger.info(`system-file changes: the answer was ${answer}`);
    if (answer === 'never') await deps.neverAskAgain();
    if (answer !== 'continue') return { applied: [], degraded: [...problems, ...skipped(changes)], asked };
  }
  let report;
  try {
    report = await deps.runner.run(changes.map((c) => c.call));
  } catch (e) {
    const declined = e instanceof PrivilegeDeclinedError;
    deps.logger.warn(`system-file changes ${declined ? 'not allowed' : 'failed'}: ${(e as Error).message}`);
    return {
      applied: [],
      degraded: [...problems, ...skipped(changes, declined ? undefined : (e as Error).message)],
      asked,
    };
  }
  const applied: string[] = [];
  const degraded = problems;
  changes.forEach((c, i) => {
    const line = report[i];
    if (line?.ok) {
      applied.push(line.message);
      deps.logger.info(`system files: ${line.message}`);
    } else {
      degraded.push(...skipped([c], line ? line.message : 'not run after an earlier failure'));
    }
  });
  return { applied, degraded, asked };
}

import { execFile } from 'node:child_process';

import { encodeBatch, HELPER_EXIT, type HelperCall, type HelperReportLine } from '../privileged/helper.js';

/** The user said no to the password prompt (or there is nobody to ask): a normal outcome. */
export class PrivilegeDeclinedError extends Error {
  override readonly name = 'PrivilegeDeclinedError';
  readonly code = 'privilege-denied';
}

/** How to run `dlite-helper`: the Node (or Electron-as-Node) binary and the bundled script. */
export interface HelperCommand {
  readonly node: string;
  readonly script: string;
  /** Extra environment for the interpreter only (e.g. `ELECTRON_RUN_AS_NODE=1`). */
  readonly env?: Readonly<Record<string, string>>;
}

/** What an elevation returns. */
export interface ElevatedResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs one shell command line as root after the OS password dialog (`@vscode/sudo-prompt`).
 * Rejects with {@link PrivilegeDeclinedError} when the user cancels.
 */
export type PromptExec = (command: string, env?: Readonly<Record<string, string>>) => Promise<ElevatedResult>;

/**
 * Runs privileged helper batches. `canRunSilently` is true when nobody needs to be asked (this
 * process is root, or `sudo -n true` works); `run` carries every call in ONE elevation and answers
 * the helper's report lines (some may have failed). Rejects with PrivilegeDeclinedError when the
 * user declined, and with an Error when the helper refused its arguments.
 */
export interface PrivilegedRunner {
  canRunSilently(): Promise<boolean>;
  run(calls: readonly HelperCall[]): Promise<HelperReportLine[]>;
}

const SAFE_PATH = /^\/[A-Za-z0-9 ._/+@:-]+$/;

/** `node script batch <b64>` as one shell line; paths MUST be plain (they pass through sh and, on Linux, a double-quoted bash -c). */
export function helperShellCommand(h: HelperCommand, calls: readonly HelperCall[]): string {
  for (const p of [h.node, h.script]) {
    if (!SAFE_PATH.test(p)) {
      throw new Error(
        `cannot run the privileged helper from ${JSON.stringify(p)}: move Dlite to a path of plain characters`,
      );
    }
  }
  return `'${h.node}' '${h.script}' batch ${encodeBatch(calls)}`;
}

function execResult(file: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<ElevatedResult> {
  return new Promise((resolve) => {
    execFile(file, [...args], { timeout: 120_000, env: env ?? process.env }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Parses the helper's stdout; throws when it refused (exit 2) or said nothing useful. */
export function parseHelperResult(r: ElevatedResult): HelperReportLine[] {
  if (r.code === HELPER_EXIT.refused) {
    throw new Error(r.stderr.trim().split('\n').at(-1) ?? 'the privileged helper refused its arguments');
  }
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as HelperReportLine);
  if (lines.length === 0) {
    throw new Error(
      `the privileged helper failed (exit ${r.code}): ${r.stderr.trim().split('\n').at(-1) ?? 'no output'}`,
    );
  }
  return lines;
}

export interface SystemRunnerOptions {
  /** This process's uid (default `process.getuid()`). */
  readonly uid?: number;
  /** The sudo binary (default `sudo` on PATH). */
  readonly sudo?: string;
}

/**
 * The real runner: as root, runs the helper directly; when `sudo -n true` works, through `sudo -n`;
 * otherwise through `prompt` (the OS password dialog), or declines when there is none.
 */
export function createSystemRunner(
  helper: HelperCommand,
  prompt: PromptExec | null,
  opts: SystemRunnerOptions = {},
): PrivilegedRunner {
  const uid = opts.uid ?? process.getuid?.() ?? -1;
  const sudo = opts.sudo ?? 'sudo';
  const sudoWorks = async (): Promise<boolean> => (await execResult(sudo, ['-n', 'true'])).code === 0;
  const env = { ...process.env, ...helper.env };
  return {
    canRunSilently: async () => uid === 0 || (await sudoWorks()),
    run: async (calls) => {
      const args = [helper.script, 'batch', encodeBatch(calls)];
      if (uid === 0) return parseHelperResult(await execResult(helper.node, args, env));
      if (await sudoWorks()) {
        const envArgs = Object.entries(helper.env ?? {}).map(([k, v]) => `${k}=${v}`);
        const viaEnv = envArgs.length > 0 ? ['/usr/bin/env', ...envArgs] : [];
        return parseHelperResult(await execResult(sudo, ['-n', ...viaEnv, helper.node, ...args]));
      }
      if (!prompt) {
        throw new PrivilegeDeclinedError('there is no way to ask for an administrator password here');
      }
      return parseHelperResult(await prompt(helperShellCommand(helper, calls), helper.env));
    },
  };
}

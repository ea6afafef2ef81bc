import { PrivilegeDeclinedError, type ElevatedResult, type PromptExec } from './runner.js';

type SudoPromptModule = {
  exec: (
    cmd: string,
    options: { name: string; env?: Record<string, string> },
    callback: (
      error?: Error & { code?: unknown },
      stdout?: string | Buffer,
      stderr?: string | Buffer,
    ) => void,
  ) => void;
};

/** sudo-prompt's messages for "no elevation happened" (macOS dialog cancelled, pkexec refused, no agent). */
const DECLINED = /did not grant permission|No polkit authentication agent|Unable to find pkexec/i;

/**
 * {@link PromptExec} through `@vscode/sudo-prompt` (the macOS administrator dialog; pkexec on
 * Linux). The only module that loads it: the daemon hosts the VM, headless or not, so the prompt
 * is shown from there.
 */
export const sudoPromptExec: PromptExec = async (command, env) => {
  const mod = (await import('@vscode/sudo-prompt')) as unknown as SudoPromptModule & {
    default?: SudoPromptModule;
  };
  const exec = (mod.default ?? mod).exec;
  return new Promise<ElevatedResult>((resolve, reject) => {
    exec(
      command,
      { name: 'Dlite', ...(env && Object.keys(env).length > 0 ? { env: { ...env } } : {}) },
      (error, stdout, stderr) => {
        if (error && DECLINED.test(error.message)) {
          reject(new PrivilegeDeclinedError(error.message));
          return;
        }
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout: String(stdout ?? ''),
          stderr: String(stderr ?? error?.message ?? ''),
        });
      },
    );
  });
};

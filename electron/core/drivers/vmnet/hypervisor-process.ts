import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { formatCommand } from '../../process/command-format.js';
import { settlesWithin } from '../../process/settles-within.js';
import { readFileTail } from '../../process/supervised.js';
import { isAlive } from '../../vm/pidfile.js';

/** Milliseconds between liveness checks of a hypervisor this process did not start. */
export const ADOPTED_POLL_MS = 250;

/** How a hypervisor process ended, before a driver interprets it. */
export interface RawExit {
  /** null when unknown (adopted process) or killed by a signal. */
  readonly code: number | null;
  readonly signal: string | null;
  /** Last lines of the hypervisor's stderr log. */
  readonly stderrTail: readonly string[];
  /** Milliseconds from launch (or adoption) to exit. */
  readonly uptimeMs: number;
}

export interface LaunchSpec {
  readonly command: string;
  readonly args: readonly string[];
  /** File receiving stdout (appended). */
  readonly stdoutFile: string;
  /** File receiving stderr (appended); its tail goes into {@link RawExit.stderrTail}. */
  readonly stderrFile: string;
  /** Open descriptors handed to the child as fd 3, 4, …, in order (closed here after the spawn). */
  readonly extraFds?: readonly number[];
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * One hypervisor process (xhyve behind its launcher, or vfkit): spawned detached in its own process
 * group (so it outlives a crashed supervisor and can be adopted), or adopted by pid and polled.
 * `exited` settles once and never rejects.
 */
export class HypervisorProcess {
  private gone = false;
  private detached = false;
  /** Settles when the process has ended. Never rejects. */
  readonly exited: Promise<RawExit>;

  private constructor(
    readonly pid: number,
    readonly command: string,
    readonly startedAt: number,
    raw: Promise<Omit<RawExit, 'uptimeMs'>>,
  ) {
    this.exited = raw.then((r) => {
      this.gone = true;
      return { ...r, uptimeMs: Date.now() - startedAt };
    });
  }

  /** Spawns `spec`; rejects with a one-line Error naming the command when it cannot start. */
  static async spawn(spec: LaunchSpec): Promise<HypervisorProcess> {
    const out = openSync(spec.stdoutFile, 'a', 0o600);
    const err = openSync(spec.stderrFile, 'a', 0o600);
    const command = formatCommand(spec.command, spec.args);
    try {
      const child = spawn(spec.command, [...spec.args], {
        detached: true,
        stdio: ['ignore', out, err, ...(spec.extraFds ?? [])],
        env: spec.env ?? process.env,
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (e) => reject(new Error(`${command}: could not start: ${e.message}`)));
      });
      child.unref();
      const raw = new Promise<Omit<RawExit, 'uptimeMs'>>((resolve) => {
        child.once('exit', (code, signal) => {
          void readFileTail(spec.stderrFile, 20).then((stderrTail) => resolve({ code, signal, stderrTail }));
        });
      });
      return new HypervisorProcess(child.pid!, command, Date.now(), raw);
    } finally {
      closeSync(out);
      closeSync(err);
      for (const fd of spec.extraFds ?? []) closeSync(fd);
    }
  }

  /** Watches a process started by an earlier supervisor (exit code unknown: polled by pid). */
  static adopt(pid: number, command: string, stderrFile: string): HypervisorProcess {
    const p: { proc?: HypervisorProcess } = {};
    const raw = (async () => {
      while (await isAlive(pid)) {
        await sleep(ADOPTED_POLL_MS);
        if (p.proc?.detached) return new Promise<never>(() => undefined);
      }
      return { code: null, signal: null, stderrTail: await readFileTail(stderrFile, 20) };
    })();
    p.proc = new HypervisorProcess(pid, command, Date.now(), raw);
    return p.proc;
  }

  get isGone(): boolean {
    return this.gone;
  }

  /** Sends `signal`; false when the process is gone or may not be signalled. */
  kill(signal: NodeJS.Signals): boolean {
    if (this.gone) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** Resolves true when the process ends within `ms`. */
  waitExit(ms: number): Promise<boolean> {
    return settlesWithin(this.exited, ms);
  }

  /** Stops watching an adopted process (hand-over to another supervisor). */
  detach(): void {
    this.detached = true;
  }
}

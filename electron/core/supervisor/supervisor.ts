import { existsSync } from 'node:fs';

import type { Result } from '../../shared/errors.js';
import { err, ok } from '../../shared/errors.js';
import type {
  FailureDetails,
  ProgressDto,
  Settings,
  SleepInfo,
  SettingsUpdate,
  VmState,
  VmStatus,
} from '../../shared/types.js';
import type { ExitInfo, HypervisorDriver, RunningVm, VmConfig } from '../drivers/driver.js';
import { killProcess } from '../vm/pidfile.js';
import { AutoRestarter } from './auto-restart.js';
import { CancelledError, StepError, throwIfCancelled, toErrorDto, toStepError } from './errors.js';
import type { GuestLink, SupervisorDeps } from './ports.js';
import { GuestBusyError, prepareGuest, resumeGuest, saveOrShutdown, settleMemory } from './sleep.js';
import { describeVm, type Boot } from './status.js';
import { START_STEPS, assertTransition, type StartStep } from './state.js';

/** Timeouts (ms) of the start pipeline and of stops. */
export const TIMEOUTS = {
  ssh: 180_000,
  docker: 120_000,
  stop: 30_000,
  /** Tearing down a failed or cancelled boot: the guest may not handle ACPI yet. */
  teardown: 5_000,
} as const;

class VmExitedError extends Error {
  constructor(readonly info: ExitInfo) {
    super(`The VM process exited during boot (${info.signal ?? `exit code ${String(info.code)}`})`);
  }
}

/**
 * Owns one VM: the state machine of DESIGN.md, serialized operations, crash detection,
 * auto-restart and adoption of a VM left behind by an earlier supervisor.
 */
export class Supervisor {
  private state: VmState = 'stopped';
  private failure: FailureDetails | null = null;
  private sleepInfo: SleepInfo | null = null;
  private boot: Boot | null = null;
  private settings: Settings | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private startPromise: Promise<Result<VmStatus>> | null = null;
  private startAbort: AbortController | null = null;
  private readonly autoRestart: AutoRestarter;
  private readonly stateListeners = new Set<(s: VmStatus) => void>();
  private readonly progressListeners = new Set<(p: ProgressDto) => void>();

  constructor(private readonly deps: SupervisorDeps) {
    this.autoRestart = new AutoRestarter(deps.logger, () => void this.start());
    // A client waiting on docker.sock wakes a sleeping VM.
    deps.frontDoor?.onDemand(() => {
      if (this.state === 'sleeping') void this.start();
    });
  }

  status(): VmStatus {
    return {
      ...describeVm(this.state, this.failure, this.boot, this.settings, this.deps.paths.dockerSocket),
      sleep: this.state === 'sleeping' ? this.sleepInfo : null,
      resources: this.deps.resources?.latest() ?? null,
    };
  }

  /** The driver of the running VM (for resource figures); null otherwise. */
  runningDriver(): HypervisorDriver | null {
    return this.state === 'running' ? (this.boot?.driver ?? null) : null;
  }

  /**
   * The idle stop: asks the guest to get ready (sync, trim, unmount the share), then saves the VM
   * where the driver can (else shuts it down) and goes `sleeping`: docker.sock stays open and the
   * next client wakes the VM. Refused (`vm-busy`, the VM runs on) when the guest cannot let go of
   * the share; a no-op unless running.
   */
  sleep(): Promise<Result<VmStatus>> {
    return this.exclusive(() => this.runSleep());
  }

  private async runSleep(): Promise<Result<VmStatus>> {
    const boot = this.boot;
    if (this.state !== 'running' || boot === null || boot.link === null) return ok(this.status());
    await boot.settling;
    try {
      await prepareGuest(boot.link);
    } catch (e) {
      const why = e instanceof GuestBusyError ? e.message : String(e);
      this.deps.logger.warn(`not sleeping: ${why}`);
      return err('vm-busy', `The VM cannot sleep now: ${why}`);
    }
    this.setState('stopping');
    boot.expectingExit = true;
    try {
      await boot.link
        .close()
        .catch((e: unknown) => this.deps.logger.warn(`closing the guest link: ${String(e)}`));
      this.sleepInfo = await saveOrShutdown(boot, this.deps.logger);
    } catch (e) {
      const se = toStepError('stop', e, 'driver-failed');
      await boot.lock?.release();
      if (this.boot === boot) this.boot = null;
      this.setState('error', { step: 'stop', message: se.message, lastConsoleLines: [] });
      return { ok: false, error: toErrorDto(se) };
    }
    await boot.lock?.release();
    if (this.boot === boot) this.boot = null;
    this.setState('sleeping');
    if ((this.deps.frontDoor?.waiting ?? 0) > 0) void this.start();
    return ok(this.status());
  }

  onState(listener: (s: VmStatus) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onProgress(listener: (p: ProgressDto) => void): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  /** The current boot's guest link, for live operations (clock, settings); null unless running. */
  guest(): GuestLink | null {
    return this.state === 'running' ? (this.boot?.link ?? null) : null;
  }

  async loadSettings(): Promise<Settings> {
    this.settings = await this.deps.loadSettings();
    return this.settings;
  }

  /** Starts the VM; concurrent calls share one boot. Resolves when Docker answers, or with the failed step. */
  start(): Promise<Result<VmStatus>> {
    if (this.startPromise) return this.startPromise;
    const abort = new AbortController();
    const p = this.exclusive(() => this.runStart(abort.signal, null));
    this.startPromise = p;
    this.startAbort = abort;
    void p.finally(() => {
      if (this.startPromise === p) {
        this.startPromise = null;
        this.startAbort = null;
      }
    });
    return p;
  }

  /** Graceful stop (then force). During a start, cancels it and leaves no process behind. Idempotent. */
  stop(): Promise<Result<VmStatus>> {
    this.autoRestart.cancel();
    this.startAbort?.abort(new CancelledError());
    return this.exclusive(() => this.runStop());
  }

  async restart(): Promise<Result<VmStatus>> {
    const stopped = await this.stop();
    return stopped.ok ? this.start() : stopped;
  }

  /** Validates and saves; applies live what can be, and says what needs a restart. */
  async updateSettings(patch: unknown): Promise<Result<SettingsUpdate>> {
    let r: Awaited<ReturnType<SupervisorDeps['updateSettings']>>;
    try {
      r = await this.deps.updateSettings(patch);
    } catch (e) {
      const se = toStepError('settings', e, 'invalid-settings');
      const field = (e as { field?: unknown }).field;
      return err(se.code, se.message, typeof field === 'string' ? { field } : undefined);
    }
    this.settings = r.settings;
    const active = this.state !== 'stopped' && this.boot !== null;
    const link = this.guest();
    if (link && r.live.length > 0) {
      try {
        await link.applyLive(r.settings, r.live);
      } catch (e) {
        const se = toStepError('apply-settings', e, 'ssh-failed');
        return err(se.code, `Saved, but could not apply to the running VM: ${se.message}`);
      }
    }
    this.emitState();
    return ok({
      settings: r.settings,
      restartRequired: active ? r.restartRequired : [],
      appliedLive: link ? r.live : [],
    });
  }

  /**
   * After a crash of an earlier supervisor: adopt its VM if it answers, otherwise stop it.
   * Never leaves two hypervisors on one disk.
   */
  recover(): Promise<Result<VmStatus>> {
    const abort = new AbortController();
    const p = this.exclusive(async () => {
      const pid = await this.deps.orphanPid();
      if (pid === null) return this.recoverSleep();
      this.deps.logger.info(`found a VM left running (pid ${pid}); adopting it`);
      return this.runStart(abort.signal, pid);
    });
    this.startPromise = p;
    this.startAbort = abort;
    void p.finally(() => {
      if (this.startPromise === p) this.startPromise = null;
    });
    return p;
  }

  /** A VM saved by an earlier host sleeps on: docker.sock opens and the next client wakes it. */
  private async recoverSleep(): Promise<Result<VmStatus>> {
    if (this.state !== 'stopped' || !existsSync(this.deps.paths.config)) return ok(this.status());
    const bytes = await this.deps
      .createDriver(await this.loadSettings())
      .savedStateBytes?.()
      .catch(() => null);
    if (bytes === null || bytes === undefined) return ok(this.status());
    this.sleepInfo = { since: new Date().toISOString(), suspended: true, savedStateBytes: bytes };
    this.setState('sleeping');
    return ok(this.status());
  }

  /** Stops the VM and forgets listeners; for process shutdown. */
  async dispose(opts: { stopVm: boolean }): Promise<void> {
    this.autoRestart.cancel();
    if (opts.stopVm) await this.stop();
    else await this.detach();
    this.stateListeners.clear();
    this.progressListeners.clear();
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private setState(to: VmState, failure: FailureDetails | null = null): void {
    assertTransition(this.state, to);
    this.state = to;
    this.failure = failure;
    void this.deps.frontDoor?.follow(to);
    this.deps.logger.info(`state ${to}${failure ? ` (${failure.step}: ${failure.message})` : ''}`);
    this.emitState();
  }

  private emitState(): void {
    const s = this.status();
    for (const l of this.stateListeners) l(s);
  }

  private progress(step: StartStep): void {
    const index = START_STEPS.findIndex((s) => s.step === step);
    const p: ProgressDto = {
      operation: 'start',
      step,
      description: START_STEPS[index]?.description ?? step,
      current: index + 1,
      max: START_STEPS.length,
    };
    this.deps.logger.info(`start ${p.current}/${p.max} ${p.description}`);
    for (const l of this.progressListeners) l(p);
  }

  /** The start pipeline; with `adoptPid`, re-attaches to that hypervisor instead of booting. */
  private async runStart(userSignal: AbortSignal, adoptPid: number | null): Promise<Result<VmStatus>> {
    if (this.state === 'running') return ok(this.status());
    if (userSignal.aborted) return err('cancelled', 'The start was cancelled by a stop');
    this.autoRestart.cancel();
    this.setState('starting');
    let step: StartStep = 'validate';
    let boot: Boot | null = null;
    let signal = userSignal;
    try {
      this.progress(step);
      const settings = await this.loadSettings();
      const driver = this.deps.createDriver(settings);
      step = 'prepare';
      this.progress(step);
      const cfg: VmConfig = await this.deps.prepare(settings, driver, signal);
      await driver.validate(cfg);
      await driver.create(cfg);
      throwIfCancelled(signal);
      step = 'boot';
      this.progress(step);
      boot = {
        driver,
        settings,
        lock: null,
        vm: null,
        endpoint: null,
        link: null,
        startedAt: null,
        expectingExit: false,
        crashed: new AbortController(),
      };
      this.boot = boot;
      signal = AbortSignal.any([userSignal, boot.crashed.signal]);
      boot.lock = await this.deps.lockDisk();
      boot.vm = adoptPid === null ? await driver.start(cfg, signal) : await this.adopt(driver, adoptPid);
      this.watchExit(boot, boot.vm);
      step = 'wait-ssh';
      this.progress(step);
      boot.endpoint = await driver.sshEndpoint(TIMEOUTS.ssh, signal);
      const link = this.deps.connectGuest(boot.endpoint, settings, driver);
      boot.link = link;
      if (boot.vm.resumed) {
        // A resumed guest runs already: its engine and sshd are up. The Docker port and SSH (the
        // share comes back over it) are set up side by side, and the engine, the one that was saved
        // and configured, serves the waiting clients as soon as it answers; the configure step
        // after it only re-checks the settings and sets the clock.
        step = 'forward-docker';
        this.progress(step);
        await Promise.all([
          (async () => {
            await link.forwardDocker(signal);
            await link.waitDocker(TIMEOUTS.docker, signal);
            await this.deps.frontDoor?.engineReady();
          })(),
          (async () => {
            await link.waitSsh(TIMEOUTS.ssh, signal);
            await resumeGuest(link, this.deps.logger);
          })(),
        ]);
      } else {
        await link.waitSsh(TIMEOUTS.ssh, signal);
        step = 'forward-docker';
        this.progress(step);
        await link.forwardDocker(signal);
        step = 'wait-docker';
        this.progress(step);
        await link.waitDocker(TIMEOUTS.docker, signal);
      }
      step = 'configure';
      this.progress(step);
      await boot.link.configure(settings, signal);
      throwIfCancelled(signal);
      boot.startedAt = Date.now();
      this.setState('running');
      if (boot.vm.resumed) boot.settling = settleMemory(link, driver, this.deps.logger);
      return ok(this.status());
    } catch (e) {
      return this.failStart(step, boot, e, userSignal);
    }
  }

  /** Re-attaches to an orphan; one that cannot be adopted is killed so no two hypervisors share the disk. */
  private async adopt(driver: HypervisorDriver, pid: number): Promise<RunningVm> {
    let vm: RunningVm | null = null;
    try {
      vm = driver.adopt ? await driver.adopt(pid) : null;
    } finally {
      if (vm === null) {
        this.deps.logger.warn(`the VM left running (pid ${pid}) cannot be adopted; stopping it`);
        await killProcess(pid);
      }
    }
    if (vm === null) {
      throw new StepError(
        'boot',
        'driver-failed',
        `The VM left running (pid ${pid}) could not be adopted; it was stopped`,
      );
    }
    return vm;
  }

  private async failStart(
    step: StartStep,
    boot: Boot | null,
    e: unknown,
    userSignal: AbortSignal,
  ): Promise<Result<VmStatus>> {
    const crash = boot?.crashed.signal.reason as unknown;
    // A stop aborts the boot (and kills the hypervisor): that exit is a cancellation, not a crash.
    if (userSignal.aborted) {
      this.setState('stopping');
      await this.teardown(boot, TIMEOUTS.teardown);
      this.setState('stopped');
      return err('cancelled', 'The start was cancelled by a stop');
    }
    const se =
      crash instanceof VmExitedError
        ? new StepError(step, 'vm-crashed', crash.message)
        : toStepError(step, e);
    const lastConsoleLines = await this.deps.consoleTail(20).catch(() => []);
    await this.teardown(boot, TIMEOUTS.teardown);
    this.setState('error', {
      step,
      message: se.message,
      lastConsoleLines,
      ...(se.lastCommand !== undefined ? { lastCommand: se.lastCommand } : {}),
    });
    return { ok: false, error: toErrorDto(se, { lastConsoleLines }) };
  }

  private async runStop(): Promise<Result<VmStatus>> {
    this.autoRestart.cancel();
    if (this.state === 'stopped') return ok(this.status());
    if (this.state === 'sleeping') {
      // A stop means the next start boots: the guest synced its disk before it was saved.
      const settings = this.settings ?? (await this.loadSettings());
      await this.deps
        .createDriver(settings)
        .discardSavedState?.('the VM was stopped while it slept')
        .catch((e: unknown) => this.deps.logger.warn(`removing the saved VM: ${String(e)}`));
      this.setState('stopped');
      return ok(this.status());
    }
    if (this.state === 'error' && this.boot === null) {
      this.setState('stopped');
      return ok(this.status());
    }
    this.setState('stopping');
    try {
      await this.teardown(this.boot, TIMEOUTS.stop);
    } catch (e) {
      const se = toStepError('stop', e, 'driver-failed');
      this.setState('error', {
        step: 'stop',
        message: se.message,
        lastConsoleLines: await this.deps.consoleTail(20).catch(() => []),
      });
      return { ok: false, error: toErrorDto(se) };
    }
    this.setState('stopped');
    return ok(this.status());
  }

  /** Closes the guest link, stops the VM (graceful up to timeoutMs, then force) and releases the disk. */
  private async teardown(boot: Boot | null, timeoutMs: number): Promise<void> {
    if (boot === null) return;
    boot.expectingExit = true;
    try {
      await boot.link
        ?.close()
        .catch((e: unknown) => this.deps.logger.warn(`closing the guest link: ${String(e)}`));
      if (boot.vm !== null) {
        const exit = await boot.driver.stop({ timeoutMs });
        this.deps.logger.info(`VM stopped (${exit?.clean ? 'clean power-off' : 'forced'})`);
      }
    } finally {
      await boot.lock?.release();
      if (this.boot === boot) this.boot = null;
    }
  }

  /** Leaves the VM running (for adoption by the next supervisor) but closes our links. */
  private async detach(): Promise<void> {
    const boot = this.boot;
    if (boot === null) return;
    boot.expectingExit = true;
    await boot.link?.close().catch(() => undefined);
    await boot.driver.detach?.().catch(() => undefined);
    await boot.lock?.release();
    this.boot = null;
  }

  private watchExit(boot: Boot, vm: RunningVm): void {
    void vm.exited.then(async (info) => {
      if (boot.expectingExit || this.boot !== boot) return;
      this.deps.logger.error(
        `the VM process exited unexpectedly (code ${String(info.code)}, signal ${String(info.signal)})`,
      );
      if (this.state === 'starting') {
        if (this.startAbort?.signal.aborted) return;
        boot.crashed.abort(new VmExitedError(info));
        return;
      }
      if (this.state !== 'running') return;
      boot.expectingExit = true;
      this.boot = null;
      await boot.link?.close().catch(() => undefined);
      await boot.lock?.release();
      const lastConsoleLines = await this.deps.consoleTail(20).catch(() => []);
      this.setState('error', {
        step: 'running',
        message: `The VM stopped unexpectedly (${info.signal ?? `exit code ${String(info.code)}`})`,
        lastConsoleLines,
      });
      // The latest settings: auto_restart applies live.
      if ((this.settings ?? boot.settings).auto_restart) this.autoRestart.schedule();
    });
  }
}

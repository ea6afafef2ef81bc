import { existsSync } from 'node:fs';

import type { Result } from '../../shared/errors.js';
import { err, ok } from '../../shared/errors.js';
import type {
  FailureDetails,
  ProgressDto,
  Settings,
  SettingsKey,
  SettingsProblem,
  SleepInfo,
  SettingsUpdate,
  VmState,
  VmStatus,
} from '../../shared/types.js';
import type { HypervisorDriver, RunningVm, VmConfig } from '../drivers/driver.js';
import { toDliteError } from '../dlite-error.js';
import { classifyChanges } from '../settings/diff.js';
import { AutoRestarter } from './auto-restart.js';
import {
  TIMEOUTS,
  VmExitedError,
  adoptOrStop,
  applyLive,
  detachBoot,
  newBoot,
  refuseMisfits,
  teardownBoot,
} from './boot.js';
import { EngineWatch } from './engine-health.js';
import { HostIntegrationStep } from './host-integration-step.js';
import { CancelledError, StepError, throwIfCancelled, toStepError } from './step-error.js';
import type { GuestLink, SupervisorDeps } from './ports.js';
import { dropSavedVm, endForSleep, readyForSleep, savedSleep } from './sleep.js';
import { describeVm, type Boot } from './status.js';
import { START_STEPS, assertTransition, type StartStep } from './state.js';
import { settleMemory, type SettleWhen } from './settle.js';
import { reconnectResumed } from './wake.js';

export { TIMEOUTS } from './boot.js';

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
  private problems: readonly SettingsProblem[] = [];
  private osActive: string | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private startPromise: Promise<Result<VmStatus>> | null = null;
  private startAbort: AbortController | null = null;
  private readonly autoRestart: AutoRestarter;
  private readonly stateListeners = new Set<(s: VmStatus) => void>();
  private readonly progressListeners = new Set<(p: ProgressDto) => void>();
  private readonly host: HostIntegrationStep;

  constructor(private readonly deps: SupervisorDeps) {
    this.autoRestart = new AutoRestarter(deps.logger, () => void this.start());
    this.host = new HostIntegrationStep(deps.hostIntegration, deps.logger, () => this.emitState());
    // A client waiting on docker.sock wakes a sleeping VM.
    deps.frontDoor?.onDemand(() => {
      if (this.state === 'sleeping') void this.start();
    });
  }

  /** The current status; its settings problems are those found last (see {@link refreshStatus}). */
  status(): VmStatus {
    return {
      ...describeVm(
        this.state,
        this.failure,
        this.boot,
        this.settings,
        this.deps.paths.dockerSocket,
        this.problems,
        this.osActive,
        this.host.dto(),
      ),
      sleep: this.state === 'sleeping' ? this.sleepInfo : null,
      resources: this.deps.resources?.latest() ?? null,
    };
  }

  /** The current status with the settings problems read again from the file. Never rejects. */
  async refreshStatus(): Promise<VmStatus> {
    this.problems = await this.deps
      .settingsProblems()
      .catch((e: unknown) => [{ field: 'settings', message: String(e), severity: 'error' as const }]);
    return this.status();
  }

  /** Records the active OS version (what the next start boots) for the status; pushes a state when it changed. */
  setOsActive(version: string | null): void {
    if (version === this.osActive) return;
    this.osActive = version;
    this.emitState();
  }

  /** Answers the pending system-file question (see DliteApi.answerPrivileged). */
  answerPrivileged(answer: unknown): Result<void> {
    return this.host.answer(answer);
  }

  /** The driver of the running VM (for resource figures); null otherwise. */
  runningDriver(): HypervisorDriver | null {
    return this.state === 'running' ? (this.boot?.driver ?? null) : null;
  }

  /**
   * Hands the memory of a VM quiet since `quietSince` (ms since epoch) back to the host (see
   * settleMemory), unless that was done since then; waits for a settle under way first. Later sleeps
   * wait for it. A no-op unless running.
   */
  async settleIdleMemory(quietSince: number): Promise<void> {
    const boot = this.boot;
    if (this.state !== 'running' || boot === null) return;
    await boot.settling;
    if (this.boot !== boot || this.state !== 'running' || (boot.settledAt ?? 0) >= quietSince) return;
    this.settle(boot, 'once idle');
    await boot.settling;
  }

  private settle(boot: Boot, when: SettleWhen): void {
    if (boot.link === null) return;
    boot.settledAt = Date.now();
    boot.settling = settleMemory(boot.link, boot.driver, this.deps.logger, when);
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
    const ready = await readyForSleep(boot, boot.link, this.deps.logger);
    if (!ready.ok) return ready;
    this.setState('stopping');
    try {
      this.sleepInfo = await endForSleep(boot, boot.link, this.deps.logger);
    } catch (e) {
      const se = toStepError('stop', e, 'driver-failed');
      if (this.boot === boot) this.boot = null;
      this.setState('error', { step: 'stop', message: se.message, lastConsoleLines: [] });
      return { ok: false, error: se.toDto() };
    }
    if (this.boot === boot) this.boot = null;
    this.setState('sleeping');
    if ((this.deps.frontDoor?.waiting ?? 0) > 0) void this.start();
    return ok(this.status());
  }

  /**
   * A graceful restart that keeps docker.sock open: the VM shuts down (never saved, so a footprint
   * the hypervisor cannot shrink is gone) and boots again; clients arriving meanwhile wait, as the
   * state passes through `sleeping`. For `restart_to_free_memory`. A no-op unless running.
   */
  async recycle(): Promise<Result<VmStatus>> {
    const down = await this.exclusive(() => this.runRecycleStop());
    return down.ok && this.state === 'sleeping' ? this.start() : down;
  }

  private async runRecycleStop(): Promise<Result<VmStatus>> {
    if (this.state !== 'running' || this.boot === null) return ok(this.status());
    this.setState('stopping');
    try {
      await this.teardown(this.boot, TIMEOUTS.stop);
    } catch (e) {
      const se = toStepError('stop', e, 'driver-failed');
      this.setState('error', { step: 'stop', message: se.message, lastConsoleLines: [] });
      return { ok: false, error: se.toDto() };
    }
    this.sleepInfo = { since: new Date().toISOString(), suspended: false, savedStateBytes: null };
    this.setState('sleeping');
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

  /** The stored settings (for `getSettings`); rejects when the file is not usable. */
  async loadSettings(): Promise<Settings> {
    this.settings = await this.deps.readSettings();
    return this.settings;
  }

  /** Starts the VM; concurrent calls share one boot. Resolves when Docker answers, or with the failed step. */
  start(): Promise<Result<VmStatus>> {
    if (this.startPromise) return this.startPromise;
    const abort = new AbortController();
    const p = this.exclusive(() => this.runStart(abort.signal, null));
    this.startPromise = p;
    this.startAbort = abort;
    void p
      .finally(() => {
        if (this.startPromise === p) {
          this.startPromise = null;
          this.startAbort = null;
        }
      })
      .catch(() => undefined);
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

  /**
   * Validates and saves. What a running VM can take live is applied to it; what it cannot is
   * reported as needing a restart (both decided by `classifyChanges` against the settings the VM
   * runs with). A change made while the VM is starting waits for that start: its live part is then
   * applied (never dropped), its restart part reported.
   */
  async updateSettings(patch: unknown): Promise<Result<SettingsUpdate>> {
    let r: Awaited<ReturnType<SupervisorDeps['updateSettings']>>;
    try {
      r = await this.deps.updateSettings(patch);
    } catch (e) {
      return { ok: false, error: toDliteError(e, 'invalid-settings').toDto() };
    }
    this.settings = r.settings;
    this.problems = await this.deps.settingsProblems().catch(() => this.problems);
    if (this.state === 'starting' && this.startPromise) await this.startPromise;
    const boot = this.state === 'running' ? this.boot : null;
    let appliedLive: SettingsKey[] = [];
    let restartRequired: SettingsKey[] = [];
    if (boot !== null) {
      // Apply the newest saved settings (another change may have been saved meanwhile) ...
      const latest = this.settings;
      try {
        await applyLive(boot, latest, classifyChanges(boot.applied, latest).live);
      } catch (e) {
        const se = toStepError('apply-settings', e, 'ssh-failed');
        return err(se.code, `Saved, but could not apply to the running VM: ${se.message}`, se.details);
      }
      // ... and answer for this change: what is in effect now, what waits for a restart.
      const differs = classifyChanges(boot.applied, r.settings).changed;
      appliedLive = r.changes.live.filter((k) => !differs.includes(k));
      restartRequired = r.changes.restartRequired.filter((k) => differs.includes(k));
    }
    this.emitState();
    return ok({ settings: r.settings, restartRequired, appliedLive });
  }

  /**
   * After a crash of an earlier supervisor: adopt its VM if it answers, otherwise stop it.
   * Never leaves two hypervisors on one disk.
   */
  recover(): Promise<Result<VmStatus>> {
    const abort = new AbortController();
    const p = this.exclusive(async (): Promise<Result<VmStatus>> => {
      let pid: number | null;
      try {
        pid = await this.deps.orphanPid();
      } catch (e) {
        return { ok: false, error: toDliteError(e).toDto() };
      }
      if (pid === null) return this.recoverSleep();
      this.deps.logger.info(`found a VM left running (pid ${pid}); adopting it`);
      return this.runStart(abort.signal, pid);
    });
    this.startPromise = p;
    this.startAbort = abort;
    void p
      .finally(() => {
        if (this.startPromise === p) this.startPromise = null;
      })
      .catch(() => undefined);
    return p;
  }

  /** A VM saved by an earlier host sleeps on: docker.sock opens and the next client wakes it. */
  private async recoverSleep(): Promise<Result<VmStatus>> {
    if (this.state !== 'stopped' || !existsSync(this.deps.paths.config)) return ok(this.status());
    const sleep = await savedSleep(this.deps.createDriver(await this.loadSettings()));
    if (sleep === null) return ok(this.status());
    this.sleepInfo = sleep;
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
      const { settings, problems } = await this.deps.loadSettings();
      this.settings = settings;
      this.problems = problems;
      refuseMisfits(problems);
      const driver = this.deps.createDriver(settings);
      step = 'prepare';
      this.progress(step);
      const cfg: VmConfig = await this.deps.prepare(settings, driver, signal);
      step = 'host-integration';
      this.progress(step);
      await this.host.integrate('before-boot', { settings, driver, cfg, address: null }, signal);
      throwIfCancelled(signal);
      const osVersion = cfg.osVersion ?? null;
      await driver.validate(cfg);
      await driver.create(cfg);
      throwIfCancelled(signal);
      step = 'boot';
      this.progress(step);
      boot = newBoot(driver, settings, osVersion);
      this.boot = boot;
      signal = AbortSignal.any([userSignal, boot.crashed.signal]);
      boot.lock = await this.deps.lockDisk();
      boot.vm =
        adoptPid === null
          ? await driver.start(cfg, signal)
          : await adoptOrStop(driver, adoptPid, this.deps.logger);
      this.watchExit(boot, boot.vm);
      step = 'wait-ssh';
      this.progress(step);
      boot.endpoint = await driver.sshEndpoint(TIMEOUTS.ssh, signal);
      await this.host.integrate('address', { settings, driver, cfg, address: boot.endpoint.host }, signal);
      const link = this.deps.connectGuest(boot.endpoint, settings, driver);
      boot.link = link;
      if (boot.vm.resumed) {
        step = 'forward-docker';
        this.progress(step);
        await reconnectResumed(link, signal, this.deps.frontDoor, this.deps.logger);
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
      // A live change saved during the start: apply it now rather than drop it.
      await applyLive(boot, this.settings, classifyChanges(boot.applied, this.settings).live);
      throwIfCancelled(signal);
      boot.startedAt = Date.now();
      this.watchEngine(boot);
      this.setState('running');
      // A restore fills the guest memory whole: hand it back now. A boot waits for a quiet minute.
      if (boot.vm.resumed) this.settle(boot, 'after the resume');
      return ok(this.status());
    } catch (e) {
      return this.failStart(step, boot, e, userSignal);
    }
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
    return { ok: false, error: se.with({ lastConsoleLines }).toDto() };
  }

  private async runStop(): Promise<Result<VmStatus>> {
    this.autoRestart.cancel();
    if (this.state === 'stopped') return ok(this.status());
    if (this.state === 'sleeping') {
      await dropSavedVm(
        this.deps.createDriver(this.settings ?? (await this.loadSettings())),
        this.deps.logger,
      );
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
      return { ok: false, error: se.toDto() };
    }
    this.setState('stopped');
    return ok(this.status());
  }

  /** Tears `boot` down (see `teardownBoot`) and forgets it. */
  private async teardown(boot: Boot | null, timeoutMs: number): Promise<void> {
    if (boot === null) return;
    try {
      await teardownBoot(boot, timeoutMs, this.deps.logger);
    } finally {
      if (this.boot === boot) this.boot = null;
    }
  }

  /** Leaves the VM running for the next supervisor to adopt, but closes our links. */
  private async detach(): Promise<void> {
    const boot = this.boot;
    if (boot === null) return;
    await detachBoot(boot);
    this.boot = null;
  }

  /**
   * Checks the engine's health while running. Unresponsive: the status says since when, and with
   * `auto_restart` the VM is restarted (a stop then force-kills a frozen hypervisor).
   */
  private watchEngine(boot: Boot): void {
    const link = boot.link;
    if (link === null) return;
    boot.health = new EngineWatch(
      (timeoutMs) => link.pingEngine(timeoutMs),
      (since) => {
        if (this.boot !== boot || this.state !== 'running') return;
        if (since === null) this.deps.logger.info('the engine answers /_ping again');
        else this.deps.logger.warn(`the engine has not answered /_ping since ${since}`);
        this.emitState();
        if (since !== null && (this.settings ?? boot.settings).auto_restart) {
          this.deps.logger.warn('auto_restart: restarting the unresponsive VM');
          void this.restart();
        }
      },
      this.deps.engineHealth,
    );
    boot.health.start();
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
      boot.health?.stop();
      this.boot = null;
      await boot.link?.close().catch(() => undefined);
      await boot.lock?.release();
      const lastConsoleLines = await this.deps.consoleTail(20).catch(() => []);
      this.setState('error', {
        step: 'running',
        message: `The VM stopped unexpectedly (${info.signal ?? `exit code ${String(info.code)}`})${info.reason ? `: ${info.reason}` : ''}`,
        lastConsoleLines,
      });
      // The latest settings: auto_restart applies live.
      if ((this.settings ?? boot.settings).auto_restart) this.autoRestart.schedule();
    });
  }
}

import type { Result } from '../../shared/errors.js';
import { err } from '../../shared/errors.js';
import type { DegradedFeatureDto, HostIntegrationDto } from '../../shared/types.js';
import type { Logger } from '../log/logger.js';
import type { HostIntegrationPort, IntegrationContext } from './ports.js';

/**
 * The `host-integration` start step and what it leaves behind: the pending system-file question
 * and the features that do not work because a change was not made. Without a port (tests,
 * `DLITE_HOST_INTEGRATION=off`) every call is a no-op and nothing is degraded.
 */
export class HostIntegrationStep {
  private degraded: readonly DegradedFeatureDto[] = [];

  /** `changed` runs when the question or the degraded features change (the status is pushed). */
  constructor(
    private readonly port: HostIntegrationPort | undefined,
    private readonly logger: Logger,
    private readonly changed: () => void,
  ) {
    port?.questions.onChange(changed);
  }

  /** The status part: the question waiting for an answer, and what does not work. */
  dto(): HostIntegrationDto {
    return { pending: this.port?.questions.pending() ?? null, degraded: this.degraded };
  }

  /** Answers the pending system-file question (see DliteApi.answerPrivileged). */
  answer(answer: unknown): Result<void> {
    const questions = this.port?.questions;
    if (!questions) return err('invalid-argument', 'id: no question is waiting');
    return questions.answer(answer);
  }

  /**
   * Runs one phase; its findings replace the previous ones of the same features (`before-boot`
   * all of them, `address` the hostname).
   */
  async integrate(
    phase: 'before-boot' | 'address',
    ctx: IntegrationContext,
    signal: AbortSignal,
  ): Promise<void> {
    if (!this.port) return;
    const outcome = await this.port.integrate(phase, ctx, signal);
    const kept = phase === 'before-boot' ? [] : this.degraded.filter((d) => d.feature !== 'hostname');
    this.degraded = [...kept, ...outcome.degraded];
    for (const d of outcome.degraded) this.logger.warn(`not available: ${d.message}`);
    if (outcome.applied.length > 0 || outcome.degraded.length > 0) this.changed();
  }
}

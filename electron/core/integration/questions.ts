import { randomUUID } from 'node:crypto';

import { err, ok, type Result } from '../../shared/errors.js';
import {
  PRIVILEGED_ANSWERS,
  type PrivilegedAnswer,
  type PrivilegedAnswerDto,
  type PrivilegedChangeDto,
  type PrivilegedRequestDto,
} from '../../shared/types.js';

/** How long a question waits for an answer before the start goes on without the changes, ms. */
export const QUESTION_TIMEOUT_MS = 120_000;

/**
 * The one pending question of a host (at most one at a time): the supervisor asks, a client (the
 * app's window, the CLI's prompt) answers through `answerPrivileged`, and status shows it meanwhile.
 */
export class PrivilegedQuestions {
  private current: { request: PrivilegedRequestDto; resolve: (a: PrivilegedAnswer) => void } | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly timeoutMs = QUESTION_TIMEOUT_MS) {}

  /** The question waiting for an answer, if any. */
  pending(): PrivilegedRequestDto | null {
    return this.current?.request ?? null;
  }

  /** Called whenever a question appears or goes away. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Shows the question and resolves with the answer; `not-now` when nobody answers within the
   * timeout or when `signal` aborts (a stop during the start). Replaces an older unanswered one.
   */
  ask(
    question: { title: string; changes: readonly PrivilegedChangeDto[]; ifDeclined: readonly string[] },
    signal: AbortSignal,
  ): Promise<PrivilegedAnswer> {
    this.current?.resolve('not-now');
    return new Promise((resolve) => {
      const request: PrivilegedRequestDto = {
        id: randomUUID(),
        ...question,
        expiresAt: new Date(Date.now() + this.timeoutMs).toISOString(),
      };
      const finish = (answer: PrivilegedAnswer): void => {
        if (this.current?.request !== request) return;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.current = null;
        this.emit();
        resolve(answer);
      };
      const onAbort = (): void => finish('not-now');
      const timer = setTimeout(() => finish('not-now'), this.timeoutMs);
      this.current = { request, resolve: finish };
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
      else this.emit();
    });
  }

  /** The answer of a client; an error when `dto` does not answer the pending question. */
  answer(dto: unknown): Result<void> {
    const d = (typeof dto === 'object' && dto !== null ? dto : {}) as Partial<PrivilegedAnswerDto>;
    if (typeof d.answer !== 'string' || !(PRIVILEGED_ANSWERS as readonly string[]).includes(d.answer)) {
      return err('invalid-argument', `answer: must be one of ${PRIVILEGED_ANSWERS.join(', ')}`);
    }
    if (!this.current || this.current.request.id !== d.id) {
      return err('invalid-argument', 'id: no such question is waiting (it was answered or it expired)');
    }
    this.current.resolve(d.answer);
    return ok(undefined);
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}

import type { PrivilegedAnswer, PrivilegedRequest } from '../shared/privileged.js';

/** The explanation dialog's text for a batch of privileged changes (pure): what, where, why. */
export function privilegedDialog(request: PrivilegedRequest): {
  message: string;
  detail: string;
  buttons: string[];
  checkboxLabel: string;
} {
  return {
    message: request.what,
    detail: `Where: ${request.where.join(', ')}\n\nWhy: ${request.why}\n\nmacOS asks for your password next.`,
    buttons: ['Continue', 'Not Now'],
    checkboxLabel: "Don't ask again",
  };
}

export interface PrivilegedPromptDeps {
  readonly explain: () => boolean;
  readonly setExplain: (explain: boolean) => void;
  /** Shows the explanation; the answer of its buttons and checkbox. */
  readonly ask: (request: PrivilegedRequest) => Promise<PrivilegedAnswer>;
}

/**
 * Gates a batch of privileged changes behind one explanation, before the system password
 * prompt. "Don't ask again" goes on and stops explaining; "Not now" skips this batch.
 * Resolves true when the caller should go on to the system prompt.
 */
export async function explainPrivileged(
  request: PrivilegedRequest,
  deps: PrivilegedPromptDeps,
): Promise<boolean> {
  if (!deps.explain()) return true;
  const answer = await deps.ask(request);
  if (answer === 'dont-ask-again') deps.setExplain(false);
  return answer !== 'not-now';
}

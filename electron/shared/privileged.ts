/**
 * A batch of privileged changes, explained once before the system password prompt (what, where,
 * why). Defined here in one place until the daemon's privileged-change request joins the contract.
 */
export interface PrivilegedRequest {
  /** What will change, in one line, e.g. "Add local.docker to /etc/hosts". */
  readonly what: string;
  /** The files or services concerned. */
  readonly where: readonly string[];
  /** Why Dlite needs it. */
  readonly why: string;
}

/** The user's answer: go on to the system prompt, skip this time, or never explain again. */
export const PRIVILEGED_ANSWERS = ['continue', 'not-now', 'dont-ask-again'] as const;
export type PrivilegedAnswer = (typeof PRIVILEGED_ANSWERS)[number];

import { createInterface } from 'node:readline/promises';

import type { DliteApi, Unsubscribe } from '../shared/api.js';
import type {
  DegradedFeatureDto,
  PrivilegedAnswer,
  PrivilegedRequestDto,
  VmStatus,
} from '../shared/types.js';
import type { CliIo } from './context.js';

/** The explanation of a pending request, as the terminal shows it. Pure. */
export function formatPrivilegedRequest(req: PrivilegedRequestDto): string[] {
  return [
    `${req.title}:`,
    ...req.changes.map((c) => `  ${c.file}: ${c.action} (${c.why})`),
    'Without them:',
    ...req.ifDeclined.map((l) => `  - ${l}`),
  ];
}

/** The answer typed at the prompt: Enter or y → continue, n → not now, d → never; null: ask again. Pure. */
export function parseAnswer(text: string): PrivilegedAnswer | null {
  const t = text.trim().toLowerCase();
  if (t === '' || t === 'y' || t === 'yes' || t === 'c' || t === 'continue') return 'continue';
  if (t === 'n' || t === 'no' || t === 'not now') return 'not-now';
  if (t === 'd' || t === 'never' || t === "don't ask again") return 'never';
  return null;
}

/** Lines saying what does not work, for `start` and `status`. Pure. */
export function formatDegraded(degraded: readonly DegradedFeatureDto[]): string[] {
  return degraded.map((d) => `not working: ${d.message}`);
}

export const PROMPT = "Continue and enter your password [Y], not now [n], don't ask again [d]? ";

/** Reads one line from the terminal; null when stdin is not a terminal. */
async function readTerminalLine(question: string): Promise<string | null> {
  if (!process.stdin.isTTY) return null;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

export interface PromptOptions {
  /** Reads a line (default: the terminal); null means nobody can answer here. */
  readonly readLine?: (question: string) => Promise<string | null>;
  /** Called before the explanation is printed (clears a spinner). */
  readonly beforeAsking?: () => void;
}

/**
 * Answers the host's system-file questions while a start runs: prints each new one on stderr and
 * asks on the terminal; without a terminal it answers "not now" (the start goes on, and says what
 * does not work). Returns an unsubscribe.
 */
export function answerPrivilegedRequests(api: DliteApi, io: CliIo, opts: PromptOptions = {}): Unsubscribe {
  const seen = new Set<string>();
  const readLine = opts.readLine ?? readTerminalLine;
  const handle = async (req: PrivilegedRequestDto): Promise<void> => {
    opts.beforeAsking?.();
    for (const line of formatPrivilegedRequest(req)) io.err(line);
    let answer: PrivilegedAnswer | null = null;
    for (let tries = 0; answer === null && tries < 3; tries++) {
      const text = await readLine(PROMPT);
      if (text === null) {
        io.err(
          "No terminal to answer on: going on without these changes (run 'dlite start' in a terminal to allow them).",
        );
        answer = 'not-now';
      } else {
        answer = parseAnswer(text);
      }
    }
    const r = await api.answerPrivileged({ id: req.id, answer: answer ?? 'not-now' });
    if (!r.ok) io.err(`dlite: ${r.error.message}`);
  };
  const onStatus = (s: VmStatus): void => {
    const req = s.hostIntegration.pending;
    if (req && !seen.has(req.id)) {
      seen.add(req.id);
      void handle(req);
    }
  };
  const off = api.onState(onStatus);
  // A question asked before this client subscribed (another client started the VM).
  void api.status().then((r) => r.ok && onStatus(r.value));
  return off;
}

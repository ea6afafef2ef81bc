import { HelperArgumentError } from './helper-args.js';
import { planOperation, type HelperContext, type Operation, type Planned } from './ops.js';

/** Most operations one batch may carry. */
export const MAX_BATCH = 16;
/** Longest argument accepted, in characters (before its own rule applies). */
const MAX_ARG = 4096;

/** One operation of a batch as it travels: `[op, ...args]`. */
export type HelperCall = readonly [string, ...string[]];

/** What the helper prints on stdout for each operation, one JSON object per line. */
export interface HelperReportLine {
  readonly op: Operation;
  readonly ok: boolean;
  readonly message: string;
}

/** Exit codes: 0 all done, 1 an operation failed (later ones not run), 2 refused arguments (nothing done). */
export const HELPER_EXIT = { ok: 0, failed: 1, refused: 2 } as const;

/** `batch <base64url JSON>`: the form one elevation carries (no shell quoting needed). */
export function encodeBatch(calls: readonly HelperCall[]): string {
  return Buffer.from(JSON.stringify(calls), 'utf8').toString('base64url');
}

function decodeBatch(text: string): HelperCall[] {
  if (!/^[A-Za-z0-9_-]{1,65536}$/.test(text)) throw new HelperArgumentError('batch: not base64url text');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new HelperArgumentError('batch: not JSON');
  }
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_BATCH) {
    throw new HelperArgumentError(`batch: must be a list of 1 to ${MAX_BATCH} operations`);
  }
  return value.map((call) => {
    if (!Array.isArray(call) || call.length === 0 || !call.every((a) => typeof a === 'string')) {
      throw new HelperArgumentError('batch: each operation must be a list of strings');
    }
    return call as unknown as HelperCall;
  });
}

/** The calls in `argv`: `<op> [args…]` or `batch <base64url>`. */
export function parseHelperArgv(argv: readonly string[]): HelperCall[] {
  if (argv.length === 0) {
    throw new HelperArgumentError('usage: dlite-helper <operation> [arguments…] | batch <base64url>');
  }
  const calls = argv[0] === 'batch' && argv.length === 2 ? decodeBatch(argv[1]!) : [argv as HelperCall];
  for (const call of calls) {
    if (call.some((a) => a.length > MAX_ARG)) {
      throw new HelperArgumentError(`${call[0].slice(0, 40)}: an argument is too long`);
    }
  }
  return calls;
}

/**
 * The privileged helper: validates every operation of the batch first (any refusal: exit 2, nothing
 * touched), then runs them in order, printing a {@link HelperReportLine} each, and stops at the
 * first failure (exit 1). Every path it touches is a fixed one under `ctx.root`.
 */
export async function runHelper(
  argv: readonly string[],
  ctx: HelperContext,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  let planned: Planned[];
  try {
    planned = parseHelperArgv(argv).map(([op, ...args]) => planOperation(op, args));
  } catch (e) {
    err(`dlite-helper: ${e instanceof HelperArgumentError ? e.message : String(e)}; nothing was changed`);
    return HELPER_EXIT.refused;
  }
  for (const p of planned) {
    try {
      const message = await p.run(ctx);
      out(JSON.stringify({ op: p.op, ok: true, message } satisfies HelperReportLine));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      out(JSON.stringify({ op: p.op, ok: false, message } satisfies HelperReportLine));
      err(`dlite-helper: ${p.op}: ${message}`);
      return HELPER_EXIT.failed;
    }
  }
  return HELPER_EXIT.ok;
}

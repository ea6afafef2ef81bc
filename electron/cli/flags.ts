/** A tiny, strict flag parser: unknown flags and missing values are one-line errors. */
export interface FlagSpec {
  /** Long name without dashes → short letter (or null) and whether it takes a value. */
  readonly [long: string]: { readonly short?: string; readonly value: boolean };
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedFlags {
  readonly flags: Readonly<Record<string, string | true>>;
  readonly positional: readonly string[];
  /** Everything after a literal `--`. */
  readonly rest: readonly string[];
}

export function parseFlags(command: string, args: readonly string[], spec: FlagSpec): ParsedFlags {
  const flags: Record<string, string | true> = {};
  const positional: string[] = [];
  const byShort = new Map(
    Object.entries(spec).flatMap(([long, s]) => (s.short ? [[s.short, long] as const] : [])),
  );
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '--') return { flags, positional, rest: args.slice(i + 1) };
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const [rawName, inline] = arg.startsWith('--') ? splitOnce(arg.slice(2)) : [arg.slice(1), undefined];
    const long = arg.startsWith('--') ? rawName : byShort.get(rawName);
    const s = long === undefined ? undefined : spec[long];
    if (long === undefined || s === undefined) {
      throw new UsageError(`dlite ${command}: unknown option '${arg}'`);
    }
    if (!s.value) {
      if (inline !== undefined) throw new UsageError(`dlite ${command}: --${long} takes no value`);
      flags[long] = true;
      continue;
    }
    const value = inline ?? args[i + 1];
    if (value === undefined || (inline === undefined && value.startsWith('-') && value.length > 1)) {
      throw new UsageError(`dlite ${command}: --${long} needs a value`);
    }
    if (inline === undefined) i += 1;
    flags[long] = value;
  }
  return { flags, positional, rest: [] };
}

function splitOnce(text: string): [string, string | undefined] {
  const eq = text.indexOf('=');
  return eq < 0 ? [text, undefined] : [text.slice(0, eq), text.slice(eq + 1)];
}

/** Parses a flag value as an integer, or throws a usage error naming the flag. */
export function intFlag(command: string, name: string, value: string | true | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === true || !/^\d+$/.test(value)) {
    throw new UsageError(`dlite ${command}: --${name} must be a whole number`);
  }
  return Number(value);
}

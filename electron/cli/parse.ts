import { parseArgs } from 'node:util';

import { UsageError } from './context.js';
import { COMMANDS, GLOBAL_OPTIONS, findSpec, groups, type CommandSpec, type OptionSpec } from './spec.js';

/** A command line ready to run. */
export interface ParsedCommand {
  readonly spec: CommandSpec;
  /** Values of the command's options (`--json` → true, `--cpus 2` → '2'). */
  readonly options: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
  /** `-p/--profile`, wherever it was given. */
  readonly profile: string | undefined;
}

export type Invocation =
  | { readonly kind: 'help'; readonly topic: readonly string[]; readonly exitCode: number }
  | { readonly kind: 'version' }
  | { readonly kind: 'command'; readonly command: ParsedCommand };

const NAMES = new Set(COMMANDS.map((c) => c.name.split(' ')[0]!));

function where(spec: CommandSpec | undefined): string {
  return spec ? `dlite ${spec.name}` : 'dlite';
}

/** True when `token` is an option word (`-x`, `--x`, `--x=v`), not `-` or `--`. */
function isOption(token: string): boolean {
  return token.startsWith('-') && token !== '-' && token !== '--';
}

/** How many words option `token` takes from the command line (itself, and its value if separate). */
function optionWidth(token: string, options: Readonly<Record<string, OptionSpec>>): number {
  if (token.startsWith('--')) {
    if (token.includes('=')) return 1;
    return options[token.slice(2)]?.type === 'string' ? 2 : 1;
  }
  const letters = token.slice(1);
  for (let i = 0; i < letters.length; i += 1) {
    const spec = Object.values(options).find((o) => o.short === letters[i]);
    if (spec?.type === 'string') return i === letters.length - 1 ? 2 : 1;
    if (spec === undefined) return 1;
  }
  return 1;
}

/** One actionable line for a `node:util` parseArgs error. */
function usageLine(spec: CommandSpec | undefined, e: unknown): UsageError {
  const x = e as { code?: string; message?: string };
  const first = (x.message ?? String(e)).split('\n')[0] ?? '';
  const quoted = /'([^']+)'/.exec(first)?.[1];
  if (x.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return new UsageError(`${where(spec)}: unknown option '${quoted ?? first}'; see '${where(spec)} --help'`);
  }
  if (x.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const long = /--([\w-]+)/.exec(first)?.[1] ?? quoted ?? '';
    return first.includes('ambiguous')
      ? new UsageError(
          `${where(spec)}: --${long} needs a value (write --${long}=-VALUE for one starting with '-')`,
        )
      : new UsageError(
          `${where(spec)}: --${long} ${first.includes('argument missing') ? 'needs a value' : 'takes no value'}`,
        );
  }
  return new UsageError(`${where(spec)}: ${first}`);
}

/**
 * Splits `args` (after the command words) into option words, positionals and the verbatim rest.
 * `--` ends the options; a command with `verbatimAfter: N` takes every word after its N-th
 * positional as it is (with 0, options before the first positional are still its own).
 */
function split(spec: CommandSpec, args: readonly string[], options: Readonly<Record<string, OptionSpec>>) {
  const optionWords: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const token = args[i]!;
    if (token === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    const verbatim =
      spec.verbatimAfter !== undefined &&
      positionals.length >= spec.verbatimAfter &&
      (spec.verbatimAfter > 0 || !isOption(token));
    if (verbatim) {
      positionals.push(...args.slice(i));
      break;
    }
    if (!isOption(token)) {
      positionals.push(token);
      continue;
    }
    const width = optionWidth(token, options);
    optionWords.push(...args.slice(i, i + width));
    i += width - 1;
  }
  return { optionWords, positionals };
}

/** Parses one command line: global options, the command (and subcommand), its options and arguments. */
export function parseInvocation(argv: readonly string[]): Invocation {
  let profile: string | undefined;
  let i = 0;
  for (; i < argv.length && isOption(argv[i]!); i += 1) {
    const token = argv[i]!;
    if (token === '-h' || token === '--help') return { kind: 'help', topic: [], exitCode: 0 };
    if (token === '--version') return { kind: 'version' };
    if (token === '-p' || token === '--profile') {
      profile = argv[i + 1];
      if (profile === undefined) throw new UsageError('dlite: --profile needs a value');
      i += 1;
    } else if (token.startsWith('--profile=')) profile = token.slice('--profile='.length);
    else if (token.startsWith('-p') && token.length > 2) profile = token.slice(2);
    else throw new UsageError(`dlite: unknown option '${token}'; see 'dlite --help'`);
  }
  const name = argv[i];
  if (name === undefined) return { kind: 'help', topic: [], exitCode: 2 };
  if (name === 'version') return { kind: 'version' };
  if (!NAMES.has(name)) {
    throw new UsageError(`dlite: unknown command '${name}'. Run 'dlite --help' for the list of commands.`);
  }
  let words = 1;
  const subs = groups().get(name);
  if (subs !== undefined) {
    const sub = argv[i + 1];
    if (sub === undefined || sub === '-h' || sub === '--help') {
      return { kind: 'help', topic: [name], exitCode: sub ? 0 : 2 };
    }
    if (!subs.includes(sub)) {
      throw new UsageError(`dlite ${name}: unknown subcommand '${sub}' (expected ${subs.join(' or ')})`);
    }
    words = 2;
  }
  const spec = findSpec(argv.slice(i, i + words).join(' '))!;
  const options = { ...GLOBAL_OPTIONS, ...spec.options };
  const { optionWords, positionals } = split(spec, argv.slice(i + words), options);
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: optionWords,
      options: Object.fromEntries(
        Object.entries(options).map(([long, o]) => [
          long,
          { type: o.type, ...(o.short ? { short: o.short } : {}) },
        ]),
      ),
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw usageLine(spec, e);
  }
  if (values['help'] === true) return { kind: 'help', topic: spec.name.split(' '), exitCode: 0 };
  if (spec.name === 'help') return { kind: 'help', topic: positionals, exitCode: 0 };
  const [min, max] = spec.positionals;
  if (positionals.length > max) {
    throw new UsageError(
      `${where(spec)}: unexpected argument '${positionals[max]}'; see '${where(spec)} --help'`,
    );
  }
  if (positionals.length < min) {
    throw new UsageError(`${where(spec)}: expected ${spec.args ?? 'arguments'}; see '${where(spec)} --help'`);
  }
  for (const [long, o] of Object.entries(spec.options)) {
    const v = values[long];
    if (typeof v === 'string' && o.choices && !o.choices.includes(v)) {
      throw new UsageError(`${where(spec)}: --${long} must be one of ${o.choices.join(', ')}, got '${v}'`);
    }
  }
  const profileValue = values['profile'];
  return {
    kind: 'command',
    command: {
      spec,
      options: values,
      positionals,
      profile: typeof profileValue === 'string' ? profileValue : profile,
    },
  };
}

/** Parses a whole-number option value, or throws a usage error naming the option. */
export function intOption(
  spec: CommandSpec,
  name: string,
  value: string | boolean | undefined,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) {
    throw new UsageError(`dlite ${spec.name}: --${name} must be a whole number`);
  }
  return Number(value);
}

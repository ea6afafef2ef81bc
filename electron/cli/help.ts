import { COMMANDS, GLOBAL_OPTIONS, findSpec, groups, type CommandSpec, type OptionSpec } from './spec.js';

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  const rows = Object.entries(options).map(([long, o]) => {
    const names = `${o.short ? `-${o.short}, ` : '    '}--${long}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    const def = o.default === undefined ? '' : ` (default: ${o.default})`;
    return [names, `${o.description}${def}`] as const;
  });
  const width = Math.max(...rows.map(([n]) => n.length));
  return rows.map(([n, d]) => `  ${n.padEnd(width)}  ${d}`);
}

function usage(spec: CommandSpec): string {
  const opts = Object.keys(spec.options).length > 0 ? ' [options]' : '';
  return `dlite ${spec.name}${opts}${spec.args ? ` ${spec.args}` : ''}`;
}

/** `dlite --help`: every command with its summary, the global options, where to read more. */
export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'dlite — Docker in a tiny VM, one command away',
    '',
    'Usage: dlite [-p NAME] COMMAND [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    ...optionLines({ ...GLOBAL_OPTIONS, version: { type: 'boolean', description: 'print the version' } }),
    '',
    'Environment: DLITE_HOME relocates ~/.dlite.',
    "Run 'dlite help COMMAND' or 'dlite COMMAND --help' for a command's options.",
  ].join('\n');
}

/** Help of one command, a group of subcommands (`config`), or null for an unknown topic. */
export function commandHelp(topic: readonly string[]): string | null {
  const name = topic.join(' ');
  const spec = findSpec(name);
  if (spec === undefined) {
    const subs = groups().get(name);
    if (subs === undefined) return null;
    const specs = subs.map((s) => findSpec(`${name} ${s}`)!);
    const width = Math.max(...specs.map((s) => usage(s).length));
    return [
      `Usage: dlite ${name} ${subs.join('|')} ...`,
      '',
      'Subcommands:',
      ...specs.map((s) => `  ${usage(s).padEnd(width)}  ${s.summary}`),
      '',
      `Run 'dlite help ${name} SUBCOMMAND' for its options.`,
    ].join('\n');
  }
  const lines = [`Usage: ${usage(spec)}`, '', spec.summary];
  if (Object.keys(spec.options).length > 0) lines.push('', 'Options:', ...optionLines(spec.options));
  lines.push('', 'Global options:', ...optionLines(GLOBAL_OPTIONS));
  if (spec.details) lines.push('', spec.details);
  return lines.join('\n');
}

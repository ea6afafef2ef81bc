import { SETTINGS_KEYS } from '../core/settings/schema.js';
import {
  COMMANDS,
  GLOBAL_OPTIONS,
  SHELLS,
  groups,
  type CommandSpec,
  type OptionSpec,
  type Shell,
} from './spec.js';

const TOP = [...new Set(COMMANDS.map((c) => c.name.split(' ')[0]!))];

function summaryOf(name: string): string {
  return COMMANDS.find((c) => c.name === name)?.summary ?? `${name} subcommands`;
}

function optionWords(options: Readonly<Record<string, OptionSpec>>): string[] {
  return Object.entries(options).flatMap(([long, o]) => [...(o.short ? [`-${o.short}`] : []), `--${long}`]);
}

function positionalWords(spec: CommandSpec): string[] {
  if (spec.complete === 'settings-keys') return [...SETTINGS_KEYS];
  if (spec.complete === 'shells') return [...SHELLS];
  if (spec.complete === 'commands') return TOP;
  return [];
}

/** Options taking a value, by what the value completes to. */
function valueKinds(): { dirs: string[]; profiles: string[]; shells: string[] } {
  const all = [GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options)].flatMap((o) => Object.entries(o));
  const named = (pred: (long: string, o: OptionSpec) => boolean): string[] => [
    ...new Set(
      all
        .filter(([l, o]) => o.type === 'string' && pred(l, o))
        .flatMap(([l, o]) => [...(o.short ? [`-${o.short}`] : []), `--${l}`]),
    ),
  ];
  return {
    dirs: named((_, o) => o.value === 'DIR'),
    profiles: named((l) => l === 'profile'),
    shells: named((l) => l === 'shell'),
  };
}

function bash(): string {
  const kinds = valueKinds();
  const takesValue = [
    ...new Set(
      [GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options)]
        .flatMap((o) => Object.entries(o))
        .filter(([, o]) => o.type === 'string')
        .flatMap(([l, o]) => [...(o.short ? [`-${o.short}`] : []), `--${l}`]),
    ),
  ];
  const cases = COMMANDS.map((c) => {
    const opts = [...optionWords(c.options), ...optionWords(GLOBAL_OPTIONS)].join(' ');
    const pos = positionalWords(c).join(' ');
    return `    '${c.name}') opts='${opts}'; pos='${pos}' ;;`;
  });
  const groupCases = [...groups()].map(
    ([g, subs]) => `    '${g}') opts='-h --help'; pos='${subs.join(' ')}' ;;`,
  );
  return `# dlite completion for bash. Load it with: source <(dlite completion bash)
_dlite_profiles() {
  local d
  for d in "$HOME"/.dlite-*; do [[ -d $d ]] && printf '%s\\n' "\${d##*/.dlite-}"; done
  printf 'default\\n'
}
_dlite() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local i w cmd='' npos=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    case $w in
      ${takesValue.join('|')}) ((i++)) ;;
      -*) ;;
      *)
        if [[ -z $cmd ]]; then cmd=$w
        elif [[ $cmd != *' '* && ' ${[...groups().keys()].join(' ')} ' == *" $cmd "* ]]; then cmd="$cmd $w"
        else ((npos++)); fi ;;
    esac
  done
  case $prev in
    ${kinds.profiles.join('|')}) COMPREPLY=($(compgen -W "$(_dlite_profiles)" -- "$cur")); return ;;
    ${kinds.shells.join('|')}) COMPREPLY=($(compgen -W '${SHELLS.join(' ')}' -- "$cur")); return ;;
    ${kinds.dirs.join('|')}) COMPREPLY=($(compgen -d -- "$cur")); return ;;
  esac
  local opts pos
  case $cmd in
    '') opts='${optionWords(GLOBAL_OPTIONS).join(' ')} --version'; pos='${TOP.join(' ')}' ;;
${[...groupCases, ...cases].join('\n')}
    *) opts=''; pos='' ;;
  esac
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif ((npos == 0)); then COMPREPLY=($(compgen -W "$pos" -- "$cur"))
  else COMPREPLY=(); fi
}
complete -F _dlite dlite
`;
}

function zshQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function zsh(): string {
  const kinds = valueKinds();
  const described = (names: readonly string[]): string =>
    names.map((n) => zshQuote(`${n}:${summaryOf(n).replaceAll(':', '\\:')}`)).join(' ');
  const cases = COMMANDS.map(
    (c) =>
      `    ${zshQuote(c.name)}) opts=(${[...optionWords(c.options), ...optionWords(GLOBAL_OPTIONS)].join(' ')}); pos=(${positionalWords(c).join(' ')}) ;;`,
  );
  const groupCases = [...groups()].map(
    ([g, subs]) => `    ${zshQuote(g)}) opts=(-h --help); pos=(${subs.join(' ')}) ;;`,
  );
  const takesValue = [GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options)]
    .flatMap((o) => Object.entries(o))
    .filter(([, o]) => o.type === 'string')
    .flatMap(([l, o]) => [...(o.short ? [`-${o.short}`] : []), `--${l}`]);
  return `#compdef dlite
# dlite completion for zsh. Load it with: source <(dlite completion zsh)  (after compinit)
_dlite() {
  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]} cmd='' w i npos=0
  local -a opts pos top
  for ((i = 2; i < CURRENT; i++)); do
    w=\${words[i]}
    case $w in
      (${[...new Set(takesValue)].join('|')}) ((i++)) ;;
      (-*) ;;
      (*)
        if [[ -z $cmd ]]; then cmd=$w
        elif [[ $cmd != *' '* && ' ${[...groups().keys()].join(' ')} ' == *" $cmd "* ]]; then cmd="$cmd $w"
        else ((npos++)); fi ;;
    esac
  done
  case $prev in
    (${kinds.profiles.join('|')}) compadd -- default \${\${(f)"$(print -l $HOME/.dlite-*(N/:t))"}#.dlite-}; return ;;
    (${kinds.shells.join('|')}) compadd -- ${SHELLS.join(' ')}; return ;;
    (${kinds.dirs.join('|')}) _files -/; return ;;
  esac
  case $cmd in
    ('') top=(${described(TOP)}); opts=(${optionWords(GLOBAL_OPTIONS).join(' ')} --version) ;;
${[...groupCases, ...cases].map((l) => l.replace(/^ {4}('[^']*'|\S+)\)/, '    ($1)')).join('\n')}
  esac
  if [[ $cur == -* ]]; then compadd -- $opts
  elif [[ -z $cmd ]]; then _describe 'command' top
  elif ((npos == 0)); then compadd -- $pos
  fi
}
if [[ $ZSH_EVAL_CONTEXT == *loadautofunc* ]]; then _dlite "$@"; else compdef _dlite dlite; fi
`;
}

function fishQuote(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

function fish(): string {
  const lines = [
    '# dlite completion for fish. Load it with: dlite completion fish | source',
    'complete -c dlite -f',
    `complete -c dlite -l version -d ${fishQuote('print the version')}`,
  ];
  const opt = (cond: string, long: string, o: OptionSpec): string => {
    const parts = ['complete -c dlite'];
    if (cond) parts.push('-n', fishQuote(cond));
    if (o.short) parts.push('-s', o.short);
    parts.push('-l', long);
    // -x: a value from the list only; -r: a value, file names included (a folder option).
    if (o.type === 'string') parts.push(o.value === 'DIR' ? '-r' : '-x');
    if (o.choices) parts.push('-a', fishQuote(o.choices.join(' ')));
    else if (o.value === 'DIR') parts.push('-a', fishQuote('(__fish_complete_directories)'));
    else if (long === 'profile') {
      parts.push('-a', fishQuote("default (path basename $HOME/.dlite-* | string replace .dlite- '')"));
    }
    parts.push('-d', fishQuote(o.description));
    return parts.join(' ');
  };
  for (const [long, o] of Object.entries(GLOBAL_OPTIONS)) lines.push(opt('', long, o));
  const grouped = groups();
  for (const name of TOP) {
    lines.push(`complete -c dlite -n __fish_use_subcommand -a ${name} -d ${fishQuote(summaryOf(name))}`);
  }
  for (const [g, subs] of grouped) {
    for (const s of subs) {
      lines.push(
        `complete -c dlite -n ${fishQuote(`__fish_seen_subcommand_from ${g}; and not __fish_seen_subcommand_from ${subs.join(' ')}`)} -a ${s} -d ${fishQuote(summaryOf(`${g} ${s}`))}`,
      );
    }
  }
  for (const c of COMMANDS) {
    const [head, sub] = c.name.split(' ');
    const cond = sub
      ? `__fish_seen_subcommand_from ${head}; and __fish_seen_subcommand_from ${sub}`
      : `__fish_seen_subcommand_from ${head}`;
    for (const [long, o] of Object.entries(c.options)) lines.push(opt(cond, long, o));
    const pos = positionalWords(c);
    if (pos.length > 0) lines.push(`complete -c dlite -n ${fishQuote(cond)} -a ${fishQuote(pos.join(' '))}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The completion script for `shell`, generated from the command table (so it never drifts). */
export function completionScript(shell: Shell): string {
  return shell === 'bash' ? bash() : shell === 'zsh' ? zsh() : fish();
}

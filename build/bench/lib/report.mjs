// The result table: console text, JSON, and Markdown blocks spliced into docs/PERFORMANCE.md and README.md.
import { readFile, writeFile } from 'node:fs/promises';

/**
 * One line of the table. `ratio` is value ÷ baseline; `ratioKind` says how to read it:
 * 'times' (× the baseline, lower is better), 'percent' (% of the baseline, higher is better),
 * 'delta' (value − baseline in `unit`).
 */
export function entry(o) {
  return {
    row: o.row,
    metric: o.metric,
    value: o.value,
    unit: o.unit,
    baselineName: o.baselineName ?? null,
    baseline: o.baseline ?? null,
    baselineUnit: o.baselineUnit ?? o.unit,
    ratio: o.ratio ?? null,
    ratioKind: o.ratioKind ?? 'times',
    target: o.target ?? null,
    met: o.met ?? null,
    note: o.note ?? null,
    samples: o.samples ?? null,
  };
}

const fmt = (n, unit) => (n === null || n === undefined ? '—' : `${n}${unit ? ` ${unit}` : ''}`);

function ratioText(e) {
  if (e.ratio === null) return '—';
  if (e.ratioKind === 'percent') return `${e.ratio} %`;
  if (e.ratioKind === 'delta') return `${e.ratio >= 0 ? '+' : ''}${e.ratio} ${e.unit}`;
  return `${e.ratio}×`;
}

const metText = (met) => (met === true ? 'yes' : met === false ? 'NO' : '');

function cells(e) {
  return [
    e.row,
    e.metric,
    fmt(e.value, e.unit),
    e.baselineName ? `${fmt(e.baseline, e.baselineUnit)} (${e.baselineName})` : '—',
    ratioText(e),
    e.target ?? '',
    metText(e.met),
  ];
}

const HEAD = ['row', 'metric', 'result', 'baseline, same run', 'ratio', 'target', 'met'];

/** A fixed-width text table for the terminal. */
export function textTable(entries) {
  const rows = [HEAD, ...entries.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r, n) => {
      const line = r.map((c, i) => String(c).padEnd(widths[i])).join('  ');
      return n === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

const mdEscape = (s) => String(s).replaceAll('|', '\\|');

export function markdownTable(entries) {
  const lines = [`| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => '---').join('|')}|`];
  for (const e of entries) lines.push(`| ${cells(e).map(mdEscape).join(' | ')} |`);
  return lines.join('\n');
}

/** One line naming the machine, accelerator, date and load the figures were taken on. */
export function machineLine(meta) {
  const m = meta.machine;
  return (
    `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.os}; accelerator ${meta.accelerator}; ` +
    `${meta.date}; load average ${meta.loadBefore.join(' / ')} before, ${meta.loadAfter.join(' / ')} after ` +
    `(1/5/15 min); suite took ${meta.durationMinutes} min; guest ${meta.guest}`
  );
}

/** The generated block of docs/PERFORMANCE.md: machine line, the table, per-row notes. */
export function performanceBlock(meta, entries) {
  const notes = entries.filter((e) => e.note).map((e) => `- **${e.row} — ${e.metric}**: ${e.note}`);
  return [
    `Measured on: ${machineLine(meta)}.`,
    '',
    markdownTable(entries),
    '',
    ...(notes.length ? ['Notes from the run:', '', ...notes, ''] : []),
    `Raw numbers and samples: [performance.json](performance.json). Reproduce with \`npm run bench\`.`,
  ].join('\n');
}

/** The README summary: one line per row with the headline figure and its ratio. */
export function readmeBlock(meta, entries, pick) {
  const chosen = entries.filter(pick);
  const lines = chosen.map(
    (e) =>
      `| ${mdEscape(e.metric)} | ${fmt(e.value, e.unit)} | ${e.baselineName ? `${ratioText(e)} vs ${mdEscape(e.baselineName)}` : '—'} |`,
  );
  return [
    `QEMU with ${meta.accelerator.toUpperCase()} on ${meta.machine.cores} cores, ${meta.date.slice(0, 10)}, ` +
      `1-minute load average ${meta.loadBefore[0]} → ${meta.loadAfter[0]} (a shared machine):`,
    '',
    '| what | result | vs baseline (same run) |',
    '|---|---|---|',
    ...lines,
    '',
    'Every figure, its baseline and the machine: [docs/PERFORMANCE.md](docs/PERFORMANCE.md).',
  ].join('\n');
}

/** Replaces the text between `<!-- name:begin -->` and `<!-- name:end -->` in `file`; false when absent. */
export async function spliceBlock(file, name, body) {
  const text = await readFile(file, 'utf8');
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return false;
  await writeFile(file, `${text.slice(0, a + begin.length)}\n${body}\n${text.slice(b)}`);
  return true;
}

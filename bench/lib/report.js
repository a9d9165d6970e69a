// Statistics of alternated rounds and the report's sections and targets.
import { fmtB, fmtNs, fmtUs, fmtX, median } from './common.js';

// ── statistics of alternated rounds ──────────────────────────────────────────────────────────

export const nsPerOp = (row) => row.ns / row.ops;

/** `{ median, min, max, values }` of a per-round series. */
export function stat(values) {
  return { values, median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/**
 * A same-round ratio: `value(row)` per round, with a target `check(median)` and its wording.
 * `kind: 'x'` formats as a factor, `'us'` as microseconds (from ns), `'B'` as bytes.
 */
export function series(rows, value) {
  return stat(rows.map(value));
}

export const fmtStat = (s, kind) => {
  const f = kind === 'us' ? fmtUs : kind === 'B' ? fmtB : kind === 'ns' ? fmtNs : fmtX;
  const unit = kind === 'us' ? ' µs' : kind === 'B' ? ' B' : kind === 'ns' ? ' ns' : ' ×';
  return `**${f(s.median)}${unit}** (${f(s.min)}–${f(s.max)})`;
};

/** A Markdown table of per-round figures: `columns` = [{ title, value(row) → string }]. */
export function roundsTable(rows, columns, footer = []) {
  const lines = [
    `| round | ${columns.map((c) => c.title).join(' | ')} |`,
    `|---:|${columns.map(() => '---:').join('|')}|`,
  ];
  rows.forEach((row, i) => lines.push(`| ${i + 1} | ${columns.map((c) => c.cell(row)).join(' | ')} |`));
  for (const f of footer) lines.push(`| ${f.label} | ${columns.map((c) => f.cell(c)).join(' | ')} |`);
  return lines.join('\n');
}

/** Median and min–max footer rows for columns that carry a numeric `value(row)` and a formatter. */
export function statFooter(rows) {
  return [
    { label: '**median**', cell: (c) => (c.value ? `**${c.fmt(median(rows.map(c.value)))}**` : '') },
    {
      label: 'min–max',
      cell: (c) => (c.value ? `${c.fmt(Math.min(...rows.map(c.value)))}–${c.fmt(Math.max(...rows.map(c.value)))}` : ''),
    },
  ];
}

export const nsColumn = (key, title) => ({
  title: `${title} ns/op`,
  value: (row) => nsPerOp(row[key]),
  fmt: fmtNs,
  cell: (row) => fmtNs(nsPerOp(row[key])),
});
export const ratioColumn = (title, value) => ({ title, value, fmt: fmtX, cell: (row) => fmtX(value(row)) });

// ── the report ───────────────────────────────────────────────────────────────────────────────

export const targets = []; // { part, target, measured, met }
export const sections = [];
export const section = (title, ...blocks) => sections.push([`## ${title}`, ...blocks].join('\n\n'));
export const target = (part, wording, s, kind, met) =>
  targets.push({ part, wording, measured: s ? fmtStat(s, kind) : 'not measured', met });

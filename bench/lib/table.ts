import type { Row } from './context.ts';

/** A figure with a precision that suits its size: 12,345 / 123 / 12.3 / 1.23. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Rates read as a share of their ceiling (53%), latencies and sizes as a multiple (x4.2). */
function formatRatio(row: Row): string {
  if (row.ratio === undefined) return '';
  return row.unit.includes('/') ? `${(row.ratio * 100).toFixed(0)}%` : `x${row.ratio.toFixed(2)}`;
}

/** The results as one aligned text table, with the notes numbered underneath. */
export function renderTable(rows: readonly Row[]): string {
  const notes: string[] = [];
  const header = ['scenario', 'store', 'metric', 'value', 'ceiling', 'ratio', 'target', 'met'];
  const lines = rows.map((row) => {
    let metric = row.metric;
    if (row.note !== undefined && row.note !== '') {
      notes.push(row.note);
      metric += ` [${notes.length}]`;
    }
    return [
      row.scenario,
      row.store,
      metric,
      row.value === null ? 'not run' : `${formatNumber(row.value)} ${row.unit}`.trim(),
      row.ceiling ? `${formatNumber(row.ceiling.value)} (${row.ceiling.name})` : '',
      formatRatio(row),
      row.target ?? '',
      row.met === undefined ? '' : row.met ? 'yes' : 'NO',
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === 3 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [
    format(header),
    format(widths.map((width) => '-'.repeat(width))),
    ...lines.map(format),
    '',
    ...notes.map((note, index) => `[${index + 1}] ${note}`),
  ].join('\n');
}

/** The same table as Markdown, for docs/performance.md. */
export function renderMarkdown(rows: readonly Row[]): string {
  const escape = (text: string) => text.replaceAll('|', '\\|');
  return [
    '| scenario | store | metric | value | ceiling | ratio | target | met | note |',
    '|---|---|---|---:|---|---:|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${[
          row.scenario,
          row.store,
          row.metric,
          row.value === null ? 'not run' : `${formatNumber(row.value)} ${row.unit}`.trim(),
          row.ceiling ? `${formatNumber(row.ceiling.value)} (${row.ceiling.name})` : '',
          formatRatio(row),
          row.target ?? '',
          row.met === undefined ? '' : row.met ? 'yes' : 'NO',
          row.note ?? '',
        ]
          .map(escape)
          .join(' | ')} |`,
    ),
  ].join('\n');
}

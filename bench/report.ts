// Renders a results file as Markdown (for docs/performance.md):
// `node --import tsx bench/report.ts bench/results/<date>.json` (the newest one when none is given).
import fs from 'node:fs';
import path from 'node:path';
import type { Row } from './lib/context.ts';
import type { MachineInfo } from './lib/machine.ts';
import { renderMarkdown } from './lib/table.ts';

interface Report {
  readonly machine: MachineInfo;
  readonly date: string;
  readonly clarion?: { readonly commit: string; readonly modified: readonly string[] };
  readonly options: Record<string, unknown>;
  readonly rows: readonly Row[];
}

const dir = path.join(import.meta.dirname, 'results');
const file =
  process.argv[2] ??
  fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => path.join(dir, name))
    .at(-1);
if (file === undefined) {
  process.stderr.write('no results yet: run npm run bench first\n');
  process.exit(1);
}
const report = JSON.parse(fs.readFileSync(file, 'utf8')) as Report;
const { machine } = report;
process.stdout.write(
  `${report.date}: ${machine.cpus} CPUs (${machine.model}), ${machine.memory}, Node ${machine.node}, ${machine.platform}; ` +
    `Clarion ${report.clarion?.commit ?? '?'}${report.clarion && report.clarion.modified.length > 0 ? ` + changes to ${report.clarion.modified.join(', ')}` : ''}; ` +
    `options ${JSON.stringify({ ...report.options, sizes: undefined })}\n\n${renderMarkdown(report.rows)}\n`,
);

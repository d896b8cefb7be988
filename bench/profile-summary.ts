// Where a CPU profile's time goes:
//   node --import tsx bench/profile-summary.ts <file.cpuprofile> [top] [--from <s>] [--to <s>]
// Prints self time by function and by file (node_modules grouped by package), so a missed
// target can be traced to the code that costs most. Profiles come from `npm run bench -- --profile <dir>`.
// A profile covers the whole process, start-up and shutdown included: `--from`/`--to` keep only
// the samples taken that many seconds after the profile started (the steady state).
import fs from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { from: { type: 'string' }, to: { type: 'string' } },
});
const [file, topArg] = positionals;
if (file === undefined) {
  process.stderr.write(
    'usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top] [--from <s>] [--to <s>]\n',
  );
  process.exit(2);
}
const top = Number(topArg ?? 25);
const fromUs = Number(flags.from ?? 0) * 1e6;
const toUs = flags.to === undefined ? Infinity : Number(flags.to) * 1e6;
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
/**
 * V8 samples about every millisecond; a much longer gap means the process was not running (the
 * delivery scenario suspends its worker between windows) and would be charged to whatever
 * function the suspension caught. Such gaps are left out of the figures and counted apart.
 */
const GAP_US = 100_000;
const selfUs = new Map<number, number>();
let elapsedUs = 0;
let gapUs = 0;
profile.samples.forEach((id, index) => {
  const delta = profile.timeDeltas[index] ?? 0;
  elapsedUs += delta;
  if (elapsedUs < fromUs || elapsedUs >= toUs) return;
  if (delta >= GAP_US) gapUs += delta;
  else selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
});
const totalUs = [...selfUs.values()].reduce((sum, us) => sum + us, 0);

/** src/x.ts, a package name for node_modules, node:internal, or (program)/(gc)/(idle). */
function place(url: string): string {
  if (url === '') return '(native or V8)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return `npm:${modules[1]}`;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  const src = /\/(src|bench|test)\/.*$/.exec(url);
  return src ? src[0].slice(1) : url;
}

const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

/** The closest caller inside src/ (e.g. the repository method that ran a query), for library time. */
function nearestClarionFrame(id: number): string {
  for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
    const frame = byId.get(current)!.callFrame;
    if (frame.url.includes('/src/')) return `${frame.functionName || '(anonymous)'}  ${place(frame.url)}`;
  }
  return '(no src/ frame: runtime, GC, idle, loader)';
}

const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
const byClarionFrame = new Map<string, number>();
for (const [id, us] of selfUs) {
  const frame = byId.get(id)!.callFrame;
  const where = place(frame.url);
  const name = `${frame.functionName || '(anonymous)'}  ${where}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  byPlace.set(where, (byPlace.get(where) ?? 0) + us);
  const caller = nearestClarionFrame(id);
  byClarionFrame.set(caller, (byClarionFrame.get(caller) ?? 0) + us);
}

const print = (title: string, entries: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [name, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(
      `${((us / totalUs) * 100).toFixed(1).padStart(6)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}\n`,
    );
  }
};
process.stdout.write(
  `${file}: ${(totalUs / 1e6).toFixed(1)} s sampled${gapUs > 0 ? ` (${(gapUs / 1e6).toFixed(1)} s not running, left out)` : ''}`,
);
print('self time by file or package', byPlace);
print('self time by function', byFunction);
print(
  'time by nearest src/ caller (library and native time charged to the Clarion code that asked for it)',
  byClarionFrame,
);

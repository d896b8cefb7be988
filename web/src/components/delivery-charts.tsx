import { useMemo } from 'preact/hooks';
import uPlot from 'uplot';
import { OUTCOME_LABELS, OUTCOMES, type DeliveryStats, type Outcome } from '../lib/deliveries.ts';
import { formatDuration } from '../lib/format.ts';
import { UplotChart } from './uplot-chart.tsx';

/** The outcome colours; styles.css gives the table's badges the same ones. */
const COLORS: Record<Outcome, string> = {
  sent: '#1d7a3e',
  retrying: '#f79009',
  queued: '#98a2b3',
  failed: '#b42318',
  gone: '#7a5af8',
  cancelled: '#475467',
};

const seconds = (iso: string) => Date.parse(iso) / 1000;
const countAxis: uPlot.Range.Function = (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))];

/**
 * Stacked bars: uPlot draws series one over the other, so each series holds the running total
 * up to its outcome and the tallest (the whole stack) is drawn first. The legend reads each
 * outcome's own count.
 */
function outcomeChart(stats: DeliveryStats): {
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
} {
  const running = stats.data.map(() => 0);
  const stacked = OUTCOMES.map((outcome) =>
    stats.data.map((bucket, index) => (running[index] = running[index]! + bucket.deliveries[outcome])),
  );
  const topFirst = [...OUTCOMES].reverse();
  const bars = uPlot.paths.bars!({ size: [0.8, 48], gap: 1 });
  return {
    options: {
      scales: { x: { time: true }, y: { range: countAxis } },
      axes: [{}, { label: 'Deliveries', values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? v : '')) }],
      series: [
        {},
        ...topFirst.map((outcome): uPlot.Series => ({
          label: OUTCOME_LABELS[outcome],
          stroke: COLORS[outcome],
          fill: COLORS[outcome],
          paths: bars,
          points: { show: false },
          value: (_u, _value, _series, index) => (index === null ? '–' : stats.data[index]!.deliveries[outcome]),
        })),
      ],
    },
    data: [stats.data.map((b) => seconds(b.start)), ...[...stacked].reverse()],
  };
}

function latencyChart(stats: DeliveryStats): {
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
} {
  const ms: uPlot.Series.Value = (_u, value) => (value === null || value === undefined ? '–' : formatDuration(value));
  return {
    options: {
      scales: { x: { time: true }, y: { range: countAxis } },
      axes: [{}, { label: 'Attempt duration (ms)' }],
      series: [
        {},
        { label: 'p50', stroke: '#2457c5', width: 2, value: ms },
        { label: 'p95', stroke: '#f79009', width: 2, dash: [6, 4], value: ms },
      ],
    },
    data: [
      stats.data.map((b) => seconds(b.start)),
      stats.data.map((b) => b.attempts.p50_ms),
      stats.data.map((b) => b.attempts.p95_ms),
    ],
  };
}

/** The delivery log's two charts, and what they show in words. */
export function DeliveryCharts({ stats }: { stats: DeliveryStats }) {
  const outcomes = useMemo(() => outcomeChart(stats), [stats]);
  const latency = useMemo(() => latencyChart(stats), [stats]);
  const total = OUTCOMES.reduce((sum, outcome) => sum + stats.totals[outcome], 0);
  const attempts = stats.data.reduce((sum, bucket) => sum + bucket.attempts.count, 0);
  const slowest = Math.max(-1, ...stats.data.map((bucket) => bucket.attempts.p95_ms ?? -1));
  return (
    <section class="charts" aria-label="Charts">
      <figure class="chart-figure" data-chart="outcomes">
        <figcaption>Deliveries by outcome, per {stats.bucket}</figcaption>
        <UplotChart options={outcomes.options} data={outcomes.data} label="Deliveries over time, stacked by outcome" />
        <p class="chart-summary">
          <span>
            <span data-total>{total}</span> {total === 1 ? 'delivery' : 'deliveries'}:
          </span>
          {OUTCOMES.filter((outcome) => stats.totals[outcome] > 0).map((outcome) => (
            <span key={outcome} class={`summary-item state-${outcome}`} data-outcome={outcome}>
              {stats.totals[outcome]} {OUTCOME_LABELS[outcome].toLowerCase()}
            </span>
          ))}
        </p>
      </figure>
      <figure class="chart-figure" data-chart="latency">
        <figcaption>Attempt duration, p50 and p95, per {stats.bucket}</figcaption>
        <UplotChart options={latency.options} data={latency.data} label="Attempt duration over time, p50 and p95" />
        <p class="chart-summary">
          <span>
            <span data-attempts>{attempts}</span> {attempts === 1 ? 'attempt' : 'attempts'}
          </span>
          {slowest >= 0 && <span class="summary-item">slowest p95: {formatDuration(slowest)}</span>}
        </p>
      </figure>
    </section>
  );
}

/** Latency figures in milliseconds; `count` is how many samples they summarise. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/**
 * Collects samples in a growable Float64Array: a full run at tens of thousands of requests a
 * second would allocate millions of boxed numbers in a plain array.
 */
export class Samples {
  private buffer = new Float64Array(1024);
  private length = 0;

  add(value: number): void {
    if (this.length === this.buffer.length) {
      const grown = new Float64Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.length++] = value;
  }

  get count(): number {
    return this.length;
  }

  /** The samples themselves (a view, valid until the next `add`). */
  values(): Float64Array {
    return this.buffer.subarray(0, this.length);
  }

  summary(): LatencySummary {
    return summarize(this.values());
  }
}

/** Nearest-rank percentiles of a sorted copy (the exact figures, no histogram rounding). */
export function summarize(values: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const count = sorted.length;
  if (count === 0) return { count: 0, p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const at = (q: number) => sorted[Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1))]!;
  let sum = 0;
  for (const value of sorted) sum += value;
  return { count, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[count - 1]!, mean: sum / count };
}

// Alternating windows: a subject and its ceiling measured in turn, several short windows each,
// instead of one long window each minutes apart. On a shared 2-core machine the ceiling alone
// moved between 10k and 19.7k requests/s from one run to the next (session 11); windows taken in
// turn see the same machine, so their ratio holds where two separate figures do not.

export interface Contender<T> {
  readonly name: string;
  /** Measures the contender for one window. */
  readonly window: () => Promise<T>;
}

export interface AlternationOptions {
  readonly rounds: number;
  readonly progress?: (message: string) => void;
}

/**
 * Runs every contender once per round, reversing the order every other round (A B, B A, ...)
 * so that a drift of the machine during the run weighs on all of them alike. Returns, per
 * round, each contender's window in the order given.
 */
export async function alternate<T>(
  contenders: readonly Contender<T>[],
  options: AlternationOptions,
): Promise<readonly (readonly T[])[]> {
  const rounds: T[][] = [];
  for (let round = 0; round < options.rounds; round += 1) {
    const order = contenders.map((_, index) => index);
    if (round % 2 === 1) order.reverse();
    const results: T[] = [];
    for (const index of order) {
      const contender = contenders[index]!;
      options.progress?.(`  round ${round + 1}/${options.rounds}: ${contender.name}`);
      results[index] = await contender.window();
    }
    rounds.push(results);
  }
  return rounds;
}

/** Contender `index`'s windows, round by round. */
export function windowsOf<T>(rounds: readonly (readonly T[])[], index: number): T[] {
  return rounds.map((results) => results[index]!);
}

/** "31-38%": the lowest and highest `subject / ceiling` rate across the rounds, in percent. */
export function ratioRange(
  rounds: readonly (readonly { readonly rate: number }[])[],
  subject: number,
  ceiling: number,
): string {
  // A drain window that found its queue empty has no rate: that round has no ratio.
  const ratios = rounds
    .map((results) => (results[subject]!.rate / results[ceiling]!.rate) * 100)
    .filter((ratio) => Number.isFinite(ratio));
  if (ratios.length === 0) return 'n/a';
  const low = Math.min(...ratios).toFixed(0);
  const high = Math.max(...ratios).toFixed(0);
  return low === high ? `${low}%` : `${low}-${high}%`;
}

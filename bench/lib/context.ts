import type { Options, Sizes } from './options.ts';
import type { PostgresServer } from './postgres.ts';
import { freshStore, type BenchStore, type StoreKind } from './stores.ts';

/** One line of the results table. */
export interface Row {
  readonly scenario: string;
  /** sqlite, postgres, or "-" for figures that involve no store. */
  readonly store: string;
  readonly metric: string;
  /** null when the figure could not be measured (see note). */
  readonly value: number | null;
  readonly unit: string;
  readonly ceiling?: { readonly name: string; readonly value: number };
  /** value / ceiling: a share of the ceiling for rates, a multiple of it for latencies. */
  readonly ratio?: number;
  readonly target?: string;
  readonly met?: boolean;
  readonly note?: string;
}

export interface BenchContext {
  readonly options: Options;
  readonly sizes: Sizes;
  /** The stores measured in this run. */
  readonly stores: readonly StoreKind[];
  readonly postgres: PostgresServer | undefined;
  /** A line on stderr with the time since the start. */
  progress(message: string): void;
  /** Runs `measure` once per key and run: ceilings and maxima other scenarios build on. */
  memo<T>(key: string, measure: () => Promise<T>): Promise<T>;
  /** A memo already started in this run, if any (for comparisons that should not cause a measurement). */
  peek<T>(key: string): Promise<T> | undefined;
  freshStore(kind: StoreKind): Promise<BenchStore>;
}

export function createContext(
  options: Options,
  sizes: Sizes,
  stores: readonly StoreKind[],
  postgres: PostgresServer | undefined,
): BenchContext {
  const started = Date.now();
  const memos = new Map<string, Promise<unknown>>();
  return {
    options,
    sizes,
    stores,
    postgres,
    progress(message) {
      process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(7)}s] ${message}\n`);
    },
    memo<T>(key: string, measure: () => Promise<T>): Promise<T> {
      let memo = memos.get(key) as Promise<T> | undefined;
      if (!memo) {
        memo = measure();
        memos.set(key, memo);
      }
      return memo;
    },
    peek: <T>(key: string) => memos.get(key) as Promise<T> | undefined,
    freshStore: (kind) => freshStore(kind, postgres),
  };
}

/** A row with its ratio to a ceiling and whether a target is met, computed in one place. */
export function row(
  fields: Omit<Row, 'ratio' | 'met'> & { readonly check?: (value: number, ratio: number | undefined) => boolean },
): Row {
  const { check, ...rest } = fields;
  const ratio =
    fields.value !== null && fields.ceiling !== undefined && fields.ceiling.value > 0
      ? fields.value / fields.ceiling.value
      : undefined;
  return {
    ...rest,
    ...(ratio !== undefined ? { ratio } : {}),
    ...(check !== undefined && fields.value !== null ? { met: check(fields.value, ratio) } : {}),
  };
}

import type { RetryEvent } from '../../connectors/retry.js';
import type { ReadPosition } from '../../connectors/types.js';
import type { LedgerCounts } from '../state/ledger.js';

/** How many rows an entity's read will yield, as far as can be told. */
export interface RowTotal {
  readonly rows: number;
  /** From the table's statistics, not a count: shown as approximate. */
  readonly estimate: boolean;
}

/** What a long run tells the person watching it; every method is optional. */
export interface RunObserver {
  /** False when nothing shows totals (no progress line): then none is counted for it. @default true */
  readonly wantsTotals?: boolean;
  entityStarted?(entity: string): void;
  /** The source rows the read will yield: an estimate first, then an exact count when one answers in time. */
  entityTotal?(entity: string, total: RowTotal): void;
  /** `position`: how far through its file the read is (file sources). */
  batchCommitted?(entity: string, totals: Readonly<LedgerCounts>, position?: ReadPosition): void;
  entityFinished?(entity: string, totals: Readonly<LedgerCounts>): void;
  retrying?(what: string, event: RetryEvent): void;
}

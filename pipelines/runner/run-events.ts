import type { RetryEvent } from '../../connectors/retry.js';
import type { LedgerCounts } from '../state/ledger.js';

/** What a long run tells the person watching it; every method is optional. */
export interface RunObserver {
  entityStarted?(entity: string): void;
  /** The number of source rows in scope, when the source can count them cheaply. */
  entityTotal?(entity: string, total: number): void;
  batchCommitted?(entity: string, totals: Readonly<LedgerCounts>): void;
  entityFinished?(entity: string, totals: Readonly<LedgerCounts>): void;
  retrying?(what: string, event: RetryEvent): void;
}

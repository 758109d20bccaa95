/**
 * Deletions in the state: legacy keys found gone from the source (status `deleted`), and target
 * rows waiting to be deleted or archived (the id map's pending action) until the target accepts it.
 */
import type { StateTransaction } from '../../connectors/sink.js';
import type { OnDelete } from '../../transforms/entity-mapping.js';

/** What is still to be done to a key's target row because its legacy row was deleted. */
export type PendingAction = Exclude<OnDelete, 'ignore'>;

export interface DeletionStore {
  /** Keys the state holds for an entity, other than those already known deleted, after `after` in key order. */
  liveKeysPage(entity: string, after: string | null, limit: number): Promise<{ legacyKey: string; ownsRow: boolean }[]>;
  /**
   * Legacy keys gone from the source: status `deleted`, their rejects dropped (the row is no longer
   * in scope), and the target row queued for `onDelete` when they own one. Returns how many keys
   * were marked now (a retried transaction that had committed marks none).
   */
  markSourceDeleted(tx: StateTransaction, runId: number, entity: string, keys: readonly string[], onDelete: OnDelete): Promise<number>;
  /** Keys whose target row waits for a delete or archive, after `after` in key order. */
  pendingActionsPage(entity: string, after: string | null, limit: number): Promise<{ legacyKey: string; targetId: string }[]>;
  /** Keys whose target row waits for a delete or archive. */
  pendingActionCount(entity: string): Promise<number>;
  /**
   * Records that target rows were deleted (they no longer exist) or archived (they stay, flagged).
   * Returns how many of them were still pending (a retried transaction that had committed settles none).
   */
  settlePending(tx: StateTransaction, entity: string, done: readonly { legacyKey: string; action: PendingAction }[]): Promise<number>;
  /** Notes why the target refused a delete; the action stays pending for the next run. */
  notePendingRefused(tx: StateTransaction, entity: string, refused: readonly { legacyKey: string; reason: string }[]): Promise<void>;
}

/**
 * The migration state, as the runner, reconcile and the commands see it: runs and their ledgers,
 * watermarks, the id map (one entry per legacy key with its bucket), rejects and the source's
 * columns; deletions, de-duplication and the run lock have stores of their own beside it.
 *
 * Writes that describe rows take the caller's {@link StateTransaction}: the target's own
 * transaction where the state lives in the target (rows and state commit together, STYLE 4), or a
 * transaction of the state database once the rows have their outcomes. The one implementation
 * keeps the state in a PostgreSQL or PGlite database (pg-state-store.ts).
 */
import type { StateTransaction } from '../../connectors/sink.js';
import type { ColumnInfo, Watermark } from '../../connectors/types.js';
import type { Rejection } from '../../transforms/rejection.js';
import type { LedgerCounts } from './ledger.js';
import type { DedupeStore } from './dedupe-store.js';
import type { DeletionStore, PendingAction } from './deletion-store.js';
import type { RunLockStore } from './run-lock-store.js';

export type { PendingAction, StateTransaction };

export const KEY_STATUSES = ['loaded', 'merged', 'filtered', 'rejected', 'deleted'] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** What the state knows of one legacy key. */
export interface KeyState {
  readonly status: KeyStatus;
  /** Target row this key maps to (its own, or its survivor's). */
  readonly targetId: string | null;
  /** A target row carrying this legacy key exists because of it. */
  readonly ownsRow: boolean;
  /** Hash of the row as last written; unchanged rows are skipped. */
  readonly rowHash: string | null;
  readonly detail: string | null;
  /** Set while the target row still has to be deleted or archived. */
  readonly pendingAction: PendingAction | null;
  /** Lookup field → parent legacy key, as last written: which rows follow a parent that is merged or split. */
  readonly references: Readonly<Record<string, string>> | null;
  /** The last run that read this key. */
  readonly lastRunId: number;
}

export interface KeyUpdate extends Omit<KeyState, 'lastRunId'> {
  readonly legacyKey: string;
}

/** Everything one batch changes in the state; applied inside the batch's transaction. */
export interface BatchDelta {
  readonly runId: number;
  readonly entity: string;
  readonly keys: readonly KeyUpdate[];
  readonly rejects: readonly Rejection[];
  /** Reject refs that no longer apply (the key went through this time). */
  readonly clearedRejects: readonly string[];
  /** Unchanged keys whose `run_id` must show that this run saw them (sources without unique keys). */
  readonly touchedKeys: readonly string[];
  readonly watermark: Watermark | null;
  readonly ledger: Readonly<LedgerCounts>;
}

export interface RunRecord {
  readonly runId: number;
  readonly mode: string;
  readonly status: RunStatus;
  readonly entities: readonly string[];
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly host: string;
  readonly pid: number;
  readonly error: string | null;
}

export interface EntityLedger extends LedgerCounts {
  readonly entity: string;
  readonly status: string;
  readonly batches: number;
  /** When its last batch (or deletion page) committed; null before the first. */
  readonly lastCommitAt?: string | null;
}

/** State counts per entity, for reconciliation. */
export interface StateCounts {
  readonly byStatus: Readonly<Record<KeyStatus, number>>;
  /** Rows in the rejects table (keyed and keyless). */
  readonly rejects: number;
  /** Keys that own a target row: the target row count we expect. */
  readonly ownedRows: number;
  /** Target rows of legacy rows deleted since, still to delete or archive (refused so far). */
  readonly pendingDeletions: number;
}

export interface StoredRejection {
  readonly entity: string;
  readonly ref: string;
  readonly key: string | null;
  readonly origin: string;
  readonly stage: string;
  readonly reason: string;
  readonly payload: unknown;
  readonly runId: number;
  readonly firstRunId: number;
  readonly updatedAt: string;
}

/** Proves, in the caller's transaction, that the run writing still holds the run lock; throws otherwise. */
export type WriteGuard = (tx: StateTransaction) => Promise<void>;

export interface StateStore {
  /** The state's schema (`cutover`), for messages. */
  readonly schema: string;
  /** Records, match keys, merges and reviews of entities with `dedupe`. */
  readonly dedupe: DedupeStore;
  /** Keys gone from the source and target rows waiting to be deleted or archived. */
  readonly deletions: DeletionStore;
  /** Which run may write. */
  readonly lock: RunLockStore;

  /** True when the state has been created (by a run). */
  exists(): Promise<boolean>;
  /** Creates or upgrades the state's tables. */
  migrate(): Promise<void>;

  /**
   * Starts a run and makes it the holder of the run lock, in one transaction: it waits until the
   * write transactions of a previous holder have ended, so that none commits after this run
   * began. Runs still `running` then hold no lock (their process died, or lost the lock) and are
   * marked `interrupted`; a live one stops at its next write, which finds another holder.
   */
  beginRun(mode: string, entities: readonly string[]): Promise<number>;
  /**
   * Records how a run ended. Not guarded: it touches only this run's own records, and only while
   * they still say `running`, so a run that lost the lock cannot overwrite what the next one wrote.
   */
  finishRun(runId: number, status: RunStatus, error?: string): Promise<void>;
  beginEntity(runId: number, entity: string): Promise<void>;
  finishEntity(runId: number, entity: string, status: 'succeeded' | 'failed'): Promise<void>;

  getWatermark(entity: string): Promise<Watermark | null>;
  clearWatermark(entity: string): Promise<void>;
  /** True when the state holds anything of the entity: an id-map entry or a dedupe record. */
  holdsEntity(entity: string): Promise<boolean>;

  /**
   * The state of each key that has one; one query per batch. `tx`: the caller's transaction, when it
   * reads inside one (on PGlite's one connection a read beside it would wait for it for ever).
   */
  lookupKeys(entity: string, keys: readonly string[], tx?: StateTransaction): Promise<Map<string, KeyState>>;
  /** Target ids of loaded or merged legacy keys of `entity`: the lookups of child entities. */
  resolveTargetIds(entity: string, keys: readonly string[]): Promise<Map<string, string>>;
  /**
   * Legacy keys of `childEntity` whose target row holds `parentKey`'s row in lookup `field` (as
   * last written) and that own a target row: the children that follow a parent merged or split.
   */
  childKeysOf(childEntity: string, field: string, parentKey: string, tx?: StateTransaction): Promise<string[]>;
  /** Keys of `entity` that own a loaded target row, after `after` in key order, at most `limit`. */
  loadedKeysPage(entity: string, after: string | null, limit: number): Promise<string[]>;
  /** Which of `keys` own a target row of `entity` (whatever their status). */
  keysOwningRows(entity: string, keys: readonly string[]): Promise<Set<string>>;

  /**
   * Locks the entity's ledger for this transaction and says whether `committedBatches` is still
   * the number of batches it holds. False means the batch already committed: a retry after the
   * server committed but the client lost the answer must not count it twice.
   */
  claimBatch(tx: StateTransaction, runId: number, entity: string, committedBatches: number): Promise<boolean>;
  /** Applies a batch's state in the caller's transaction. */
  commitBatch(tx: StateTransaction, delta: BatchDelta): Promise<void>;
  /**
   * Writes keys' states to the id map in the caller's transaction. A key's run is the run that last
   * read it (a source without unique keys tells a repeated key by it); `read: false` (a review
   * decision, applied before the source is read) keeps that run for keys already in the map.
   */
  updateKeys(tx: StateTransaction, runId: number, entity: string, keys: readonly KeyUpdate[], options?: { read?: boolean }): Promise<void>;
  /** Adds counts to an entity's ledger in the caller's transaction; `batch` also counts a committed batch. */
  addToLedger(tx: StateTransaction, runId: number, entity: string, counts: Readonly<LedgerCounts>, options: { batch: boolean }): Promise<void>;
  /** Keyless rejects (by position) of an entity, dropped when a full re-read starts: positions move between exports. */
  clearPositionalRejects(tx: StateTransaction, entity: string): Promise<void>;

  /**
   * Refreshes the planner's statistics of the state's tables: tables that grow from empty during a
   * long run keep the plans chosen for empty tables otherwise.
   */
  analyze(): Promise<void>;

  /** Source columns as the last run saw them; null before the first. */
  sourceColumns(entity: string): Promise<ColumnInfo[] | null>;
  saveSourceColumns(runId: number, entity: string, columns: readonly ColumnInfo[]): Promise<void>;

  /** Batches of an entity committed in a run, and their ledger. */
  entityLedger(runId: number, entity: string): Promise<EntityLedger | undefined>;
  counts(entity: string): Promise<StateCounts>;
  runs(limit?: number): Promise<RunRecord[]>;
  ledger(runId: number): Promise<EntityLedger[]>;
  /** Rows in the rejects table, of one entity or of all. */
  countRejects(entity: string | undefined): Promise<number>;
  rejects(options: { entity?: string | undefined; limit: number; offset?: number }): Promise<StoredRejection[]>;
}

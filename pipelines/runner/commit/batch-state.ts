/**
 * Everything a written batch changes in the state, in one transaction: id map, merges, rejects,
 * watermark and ledger, after checking that every row read is in exactly one ledger bucket.
 */
import type { StateTransaction } from '../../../connectors/sink.js';
import type { SourceBatch } from '../../../connectors/types.js';
import { FatalError } from '../../../connectors/errors.js';
import type { CompiledMapping, MappedRow } from '../../../transforms/mapping-engine.js';
import type { Rejection } from '../../../transforms/rejection.js';
import { unaccounted, type LedgerCounts } from '../../state/ledger.js';
import type { KeyState, KeyUpdate, PendingAction } from '../../state/state-store.js';
import type { EntityContext } from './entity-context.js';
import { mergedKeyUpdates, type Fold } from './folds.js';
import { queuesDeletion, type BatchPlan, type FilteredKey } from '../stages/plan-batch.js';
import type { WriteResult, WrittenRow } from './written-rows.js';

export interface BatchOptions {
  /** The first batch of a full re-read: positional rejects of earlier reads are dropped in its transaction. */
  readonly clearPositionalRejects: boolean;
}

/** The rows to send; a live row clears the archive flag a deletion may have set earlier. */
export function rowsToWrite(compiled: CompiledMapping, toWrite: BatchPlan['toWrite']): readonly { row: MappedRow; hash: string }[] {
  const { onDelete, archiveColumn } = compiled.mapping;
  return onDelete === 'archive' && archiveColumn ? toWrite.map(({ row, hash }) => ({ row: { ...row, values: { ...row.values, [archiveColumn]: null } }, hash })) : toWrite;
}

/**
 * The batch's state, in the caller's transaction (the target's where the state is in the target,
 * else the state database's, once the rows have their outcomes). `applyFolds` removes the target
 * rows of records now merged into a survivor (in the same transaction where the target holds the
 * state; a no-op where the write did it already).
 */
export async function commitBatchState(
  tx: StateTransaction,
  context: EntityContext,
  batch: SourceBatch,
  plan: BatchPlan,
  options: BatchOptions,
  result: WriteResult,
  applyFolds: (folds: readonly Fold[]) => Promise<void>,
): Promise<LedgerCounts> {
  const { compiled, state, runId } = context;
  const entity = compiled.mapping.entity;
  const { known, rejects, filtered, toWrite, unchanged, ledger, merged } = plan;
  const { onDelete } = compiled.mapping;
  const readKeys = new Set(toWrite.filter((entry) => entry.read).map((entry) => entry.row.key));
  const survivorRefused = result.rejected.find((reject) => !readKeys.has(reject.key!));
  if (survivorRefused) throw new FatalError(`${entity}: the target refused the merged row of survivor '${survivorRefused.key}': ${survivorRefused.reason}`);
  const folded = mergedKeyUpdates(merged, result.written, known);
  const allRejects = [...rejects, ...result.rejected, ...folded.rejected];
  const keyUpdates = [...buildKeyUpdates({ known, written: result.written, filtered, rejects: allRejects, onDelete }), ...folded.updates];
  const cleared = [...result.written.map((w) => w.key), ...unchanged, ...filtered.map((f) => f.key), ...folded.updates.map((u) => u.legacyKey)].filter(
    (key) => known.get(key)?.status === 'rejected',
  );
  const counts = countBuckets(ledger, result.written.filter((w) => readKeys.has(w.key)), unchanged.length, filtered.length, allRejects.length);
  counts.merged = folded.updates.length;
  if (folded.folds.length > 0) await applyFolds(folded.folds);
  if (plan.dedupe) await state.dedupe.commit(tx, runId, entity, plan.dedupe);
  const balance = unaccounted(counts);
  if (balance !== 0) {
    throw new FatalError(`ledger does not balance for a batch of ${entity}: ${balance} rows unaccounted (${JSON.stringify(counts)}); nothing of this batch was committed`);
  }
  if (options.clearPositionalRejects) await state.clearPositionalRejects(tx, entity);
  await state.commitBatch(tx, {
    runId,
    entity,
    keys: keyUpdates,
    rejects: allRejects,
    clearedRejects: cleared,
    touchedKeys: context.sourceCapabilities.uniqueKeys ? [] : unchanged,
    watermark: context.sourceCapabilities.resumable ? batch.last : null,
    ledger: counts,
  });
  return counts;
}

function countBuckets(base: LedgerCounts, written: readonly WrittenRow[], unchanged: number, filtered: number, rejected: number): LedgerCounts {
  const counts = { ...base };
  for (const row of written) {
    if (row.inserted) counts.inserted++;
    else counts.updated++;
  }
  counts.unchanged = unchanged;
  counts.filtered = filtered;
  counts.rejected = rejected;
  return counts;
}

function buildKeyUpdates(input: {
  known: ReadonlyMap<string, KeyState>;
  written: readonly WrittenRow[];
  filtered: readonly FilteredKey[];
  rejects: readonly Rejection[];
  onDelete: CompiledMapping['mapping']['onDelete'];
}): KeyUpdate[] {
  const updates: KeyUpdate[] = [];
  for (const row of input.written) {
    updates.push({ legacyKey: row.key, status: 'loaded', targetId: row.targetId, ownsRow: true, rowHash: row.hash, detail: null, pendingAction: null, references: row.references });
  }
  // A row that leaves the path keeps what the target already has from earlier runs: its own row stays.
  const keep = (key: string) => {
    const previous = input.known.get(key);
    return {
      targetId: previous?.targetId ?? null,
      ownsRow: previous?.ownsRow ?? false,
      rowHash: previous?.rowHash ?? null,
      pendingAction: previous?.pendingAction ?? null,
      references: previous?.references ?? null,
    };
  };
  for (const filtered of input.filtered) {
    const kept = keep(filtered.key);
    const pendingAction = queuesDeletion(filtered, input.known.get(filtered.key), input.onDelete) ? (input.onDelete as PendingAction) : kept.pendingAction;
    updates.push({ legacyKey: filtered.key, status: 'filtered', ...kept, pendingAction, detail: filtered.reason });
  }
  for (const reject of input.rejects) {
    // Keyless and duplicate records live only in the rejects table; the key's own state is untouched.
    if (reject.key === null || reject.ref !== reject.key) continue;
    updates.push({ legacyKey: reject.key, status: 'rejected', ...keep(reject.key), detail: `${reject.stage}: ${truncate(reject.reason, 200)}` });
  }
  return updates;
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 3)}...` : text;
}

/**
 * Writing a planned batch and its state: the one path for every target, told apart only by
 * where its state lives (`sink.capabilities.state`).
 * - `'target'`: one `sink.write()` claims the batch, writes the rows, folds merged records and
 *   commits the state, all in one transaction: a crash leaves the batch whole or absent.
 * - `'beside'`: the rows (and folds) go to the target first, and only when every row has an
 *   outcome do the id map, rejects, watermark and ledger commit, together, in the state database
 *   (STYLE 4). A crash between the two sends the batch again on the next run; the target updates
 *   the rows it already has (every write is idempotent by legacy key or target id), so no row is
 *   written twice, none is lost, and `claimBatch` still counts the batch once.
 */
import type { SourceBatch } from '../../../connectors/types.js';
import type { LedgerCounts } from '../../state/ledger.js';
import { planBatch, type BatchPlan } from '../stages/plan-batch.js';
import { batchDataFailure } from '../stages/storable-values.js';
import { commitBatchState, rowsToWrite, type BatchOptions } from './batch-state.js';
import type { EntityContext } from './entity-context.js';
import { applyFolds, mergedKeyUpdates, type FoldContext } from './folds.js';
import { stateOf, writeOptions } from './sink-writes.js';
import { upsertRows, type WriteResult } from './written-rows.js';

/**
 * Runs one batch and commits it. Returns its ledger counts, or null when a retry found the batch
 * already committed (the connection died after the server's COMMIT): the ledger holds it once.
 */
export async function processBatch(context: EntityContext, batch: SourceBatch, options: BatchOptions): Promise<LedgerCounts | null> {
  return writeBatch(context, batch, await planBatch(context, batch), options);
}

/** Writes a planned batch and its state; see {@link processBatch}. */
export async function writeBatch(context: EntityContext, batch: SourceBatch, plan: BatchPlan, options: BatchOptions): Promise<LedgerCounts | null> {
  const { compiled, state, runId, sink } = context;
  const entity = compiled.mapping.entity;
  const rows = rowsToWrite(compiled, plan.toWrite);
  const folds = foldContext(context);
  const claimed = context.batches.committed;
  const call = writeOptions(context);
  let counts: LedgerCounts | null;
  if (sink.capabilities.state === 'target') {
    counts = await context
      .retry(`writing ${plan.toWrite.length} rows`, () =>
        sink.write(async (writer) => {
          const tx = stateOf(writer, sink);
          if (!(await state.claimBatch(tx, runId, entity, claimed))) return null;
          const result = await upsertRows(writer, context.target, rows, sink.endpoint);
          return commitBatchState(tx, context, batch, plan, options, result, (merged) => applyFolds(writer, folds, merged, tx));
        }, call),
      )
      .catch((error: unknown) => {
        throw batchDataFailure(entity, batch, error);
      });
  } else {
    // 1. every row to the target, until each has an outcome; then records merged into a survivor
    //    lose their own row (children first). The guarded sink checks the run lock first: a target
    //    that cannot roll back must not get one write more from a run that lost its lock.
    const result = await context.retry(`writing ${plan.toWrite.length} rows`, () =>
      sink.write(async (writer) => {
        const written = await upsertRows(writer, context.target, rows, sink.endpoint);
        if (survivorsWritten(plan, written)) await applyFolds(writer, folds, mergedKeyUpdates(plan.merged, written.written, plan.known).folds, undefined);
        return written;
      }, call),
    );
    // 2. the state, in one transaction; a retry after a lost COMMIT answer finds the batch claimed
    counts = await context
      .retry(`committing the state of ${plan.toWrite.length} rows`, () =>
        context.stateDatabase.transaction(async (tx) => {
          if (!(await state.claimBatch(tx, runId, entity, claimed))) return null;
          return commitBatchState(tx, context, batch, plan, options, result, async () => undefined);
        }),
      )
      .catch((error: unknown) => {
        throw batchDataFailure(entity, batch, error);
      });
  }
  context.batches.committed = claimed + 1;
  return counts;
}

function foldContext(context: EntityContext): FoldContext {
  return { entity: context.compiled.mapping.entity, target: context.target, children: context.children, state: context.state, deletes: context.sink.capabilities.deletes };
}

/** False when the target refused a merge's survivor: the batch stops in `commitBatchState`, before any fold. */
function survivorsWritten(plan: BatchPlan, result: WriteResult): boolean {
  const readKeys = new Set(plan.toWrite.filter((entry) => entry.read).map((entry) => entry.row.key));
  return result.rejected.every((reject) => readKeys.has(reject.key!));
}

/**
 * A batch into an HTTP API target, which cannot share a transaction with the state (STYLE 4): the
 * rows go to the API first (upserts by external id, each request with an idempotency key), and
 * only when every row has an outcome (created, updated, or refused with the API's reason) do the
 * id map, rejects, watermark and ledger commit, together, in the state database. A crash between
 * the two re-sends the batch on the next run, and the API updates the records it already has: no
 * record is created twice, none is lost, and `claimBatch` still counts the batch once.
 */
import type { ApiSink, Row, TargetTable } from '../../connectors/types.js';
import { FatalError } from '../../connectors/errors.js';
import type { MappedRow } from '../../transforms/mapping-engine.js';
import { rejection } from '../../transforms/rejection.js';
import type { LedgerCounts } from '../state/ledger.js';
import { childKeysOf, mergedKeyUpdates, type Fold } from './dedupe-write.js';
import { commitBatchState, rowsToWrite, type BatchOptions, type BatchPlan, type EntityContext } from './process-batch.js';
import type { SourceBatch } from '../../connectors/types.js';
import type { WriteResult } from './write-rows.js';
import { batchDataFailure } from './storable-values.js';

export async function writeApiBatch(context: EntityContext & { sink: ApiSink }, batch: SourceBatch, plan: BatchPlan, options: BatchOptions): Promise<LedgerCounts | null> {
  const { compiled, state, runId, sink } = context;
  const entity = compiled.mapping.entity;
  const stateSink = context.stateSink;
  if (!stateSink) throw new FatalError(`${entity}: an API target needs a state database, and none is open`);
  const claimed = context.batches.committed;
  const call = { signal: context.signal, idempotencyScope: `run ${runId}` };

  // 0. the run still holds the lock (an empty transaction, checked like every other): the API
  //    cannot roll back, so a run that lost its lock should not send one batch more
  await context.retry('checking the run lock', () => stateSink.transaction(async () => undefined));
  // 1. every row to the API, until each has an outcome (the connector retries what may pass)
  const result = await sendRows(sink, context.target, rowsToWrite(compiled, plan.toWrite), call);
  // 2. records merged into a survivor lose their own record: children first, then the record
  const readKeys = new Set(plan.toWrite.filter((entry) => entry.read).map((entry) => entry.row.key));
  if (result.rejected.every((reject) => readKeys.has(reject.key!))) {
    const { folds } = mergedKeyUpdates(plan.merged, result.written, plan.known);
    if (folds.length > 0) await foldThroughApi(context, folds, call);
  }
  // 3. the state, in one transaction; a retry after a lost COMMIT answer finds the batch claimed
  const counts = await context
    .retry(`committing the state of ${plan.toWrite.length} rows`, () =>
      stateSink.transaction(async (tx) => {
        if (!(await state.claimBatch(tx.db, runId, entity, claimed))) return null;
        return commitBatchState(tx, context, batch, plan, options, result, async () => undefined);
      }),
    )
    .catch((error: unknown) => {
      throw batchDataFailure(entity, batch, error);
    });
  context.batches.committed = claimed + 1;
  return counts;
}

/** Upserts rows through the API; a record the API refuses becomes a rejection at stage `write` with its answer. */
export async function sendRows(
  sink: ApiSink,
  target: TargetTable,
  rows: readonly { row: MappedRow; hash: string }[],
  call: { signal?: AbortSignal | undefined; idempotencyScope: string },
): Promise<WriteResult> {
  const result: WriteResult = { written: [], rejected: [] };
  if (rows.length === 0) return result;
  const outcomes = await sink.upsert(target, rows.map(({ row }) => row.values), call);
  if (outcomes.length !== rows.length) throw new FatalError(`${sink.endpoint}: ${outcomes.length} outcomes for ${rows.length} records sent to ${target.table}`);
  outcomes.forEach((outcome, index) => {
    const { row, hash } = rows[index]!;
    if (outcome.ok) result.written.push({ key: row.key, targetId: outcome.id, inserted: outcome.inserted, hash, references: row.references ?? null });
    else result.rejected.push(rejection('write', row.key, row.origin, outcome.reason, row.source));
  });
  return result;
}

/**
 * The API side of a fold: child records that point at the folded record's own record are
 * re-pointed at the survivor's (an update by external id of the lookup field), then the folded
 * record is deleted by its API id. Both are idempotent, so a crash before the state commits is
 * repaired by the next run.
 */
async function foldThroughApi(context: EntityContext & { sink: ApiSink }, folds: readonly Fold[], call: { signal?: AbortSignal | undefined; idempotencyScope: string }): Promise<void> {
  const { sink } = context;
  const entity = context.compiled.mapping.entity;
  if (!sink.delete) {
    throw new FatalError(`${entity}: ${folds.length} records merged into a survivor own an API record, and the API has no delete endpoint (target.api.delete)`);
  }
  const db = context.stateSink!.db;
  for (const child of context.children) {
    const childTarget: TargetTable = { table: child.table, key: child.key, id: child.key };
    for (const fold of folds) {
      const keys = await context.retry('reading the id map', () => childKeysOf(db, context.state.schema, child, fold.legacyKey));
      if (keys.length === 0) continue;
      const records: Row[] = keys.map((key) => ({ [child.key]: key, [child.field]: fold.survivorTargetId }));
      const outcomes = await sink.patch(childTarget, records, call);
      const refused = outcomes.findIndex((outcome) => !outcome.ok);
      if (refused >= 0) {
        const outcome = outcomes[refused]!;
        throw new FatalError(`${child.entity} ${keys[refused]}: the API refused to re-point it from ${entity} ${fold.legacyKey} to its survivor: ${outcome.ok ? '' : outcome.reason}`);
      }
    }
  }
  const deleted = await sink.delete(context.target, folds.map((fold) => fold.ownTargetId), call);
  const failed = deleted.find((outcome) => !outcome.ok);
  if (failed) throw new FatalError(`${entity}: the API refused to delete record ${failed.id} of a duplicate merged into its survivor: ${failed.reason ?? ''}`);
}

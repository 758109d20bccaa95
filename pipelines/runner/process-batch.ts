/**
 * The stage chain over one batch: classify (duplicate, soft-deleted, filtered), map, resolve
 * references, validate, diff against the id map ({@link planBatch}, which writes nothing and also
 * serves `cutover plan`), then write rows and state in one transaction. Every row read ends in
 * exactly one ledger bucket; the books are checked before the commit.
 */
import type { Sink, SourceBatch, SourceCapabilities, SqlSink, SqlSinkTransaction, TargetTable } from '../../connectors/types.js';
import { FatalError } from '../../connectors/errors.js';
import type { CompiledMapping, MappedRow } from '../../transforms/mapping-engine.js';
import { rejection, type Rejection } from '../../transforms/rejection.js';
import { rowHash } from '../../transforms/row-hash.js';
import { emptyLedger, unaccounted, type LedgerCounts } from '../state/ledger.js';
import type { KeyState, KeyUpdate, PendingAction, StateStore } from '../state/state-store.js';
import type { FirstLoad } from './first-load.js';
import { dedupeStage, type DedupeDelta, type DedupeReader, type DedupeResult } from './dedupe-stage.js';
import { mergedKeyUpdates, foldIntoSurvivors, type ChildReference, type Fold } from './dedupe-write.js';
import { resolveReferences, type ReferenceResolver } from './resolve-references.js';
import { writeRows, type WriteResult, type WrittenRow } from './write-rows.js';
import { writeApiBatch } from './write-api-batch.js';
import { batchDataFailure, unstorableKeyReason, unstorableValueProblems } from './storable-values.js';

/** What classifying a batch needs: no writing. */
export interface PlanContext {
  /** The run reading the batch; `-1` when nothing will be written (a plan). */
  readonly runId: number;
  readonly compiled: CompiledMapping;
  readonly state: Pick<StateStore, 'lookupKeys'> & ReferenceResolver;
  readonly sourceCapabilities: SourceCapabilities;
  /** Records and match keys of earlier loads, for entities with `dedupe`. */
  readonly dedupe: DedupeReader;
  /** Runs a state read or a batch write, retrying transient faults. */
  retry<T>(what: string, operation: () => Promise<T>): Promise<T>;
  /** Set while loading an entity whose state was empty when the run began: lookups that can only come back empty are skipped. */
  readonly firstLoad?: FirstLoad | null | undefined;
  /**
   * Keys whose target rows the batch in flight is writing (planning overlaps its commit): their
   * id-map state may be read before or after that commit, so a cluster's survivor among them is
   * written again rather than trusted unchanged.
   */
  readonly writtenInFlight?: ReadonlySet<string> | undefined;
}

export interface EntityContext extends PlanContext {
  readonly state: StateStore;
  /** Where rows go; an API target's state commits in `stateSink`. */
  readonly sink: Sink;
  /** The database holding the state of an API target; a database target holds its own. */
  readonly stateSink?: SqlSink | undefined;
  readonly target: TargetTable;
  /** Aborts requests to an API target at once (second Ctrl-C). */
  readonly signal?: AbortSignal | undefined;
  /** Child rows that point at this entity: re-pointed when a record that owned a row is merged. */
  readonly children: readonly ChildReference[];
  /** Batches of this entity committed in this run: the number the next batch claims. */
  readonly batches: { committed: number };
}

/** Where every row of a batch goes, before anything is written. */
export interface BatchPlan {
  /** `read`, and the buckets known before writing (unchanged, filtered, rejected so far). */
  readonly ledger: LedgerCounts;
  readonly known: ReadonlyMap<string, KeyState>;
  readonly rejects: Rejection[];
  readonly filtered: readonly FilteredKey[];
  /** `read`: a row of this batch (counted in the ledger); else a merge's survivor whose values changed. */
  readonly toWrite: readonly { row: MappedRow; hash: string; read: boolean }[];
  readonly unchanged: readonly string[];
  /** Rows that share a survivor's target row. */
  readonly merged: DedupeResult['merged'];
  readonly dedupe: DedupeDelta | null;
}

export interface FilteredKey {
  readonly key: string;
  readonly reason: string;
  readonly softDeleted: boolean;
}

export interface BatchOptions {
  /** The first batch of a full re-read: positional rejects of earlier reads are dropped in its transaction. */
  readonly clearPositionalRejects: boolean;
}

const SOFT_DELETED = 'soft-deleted in the legacy CRM';

/**
 * Runs one batch and commits it. Returns its ledger counts, or null when a retry found the batch
 * already committed (the connection died after the server's COMMIT): the ledger holds it once.
 */
export async function processBatch(context: EntityContext, batch: SourceBatch, options: BatchOptions): Promise<LedgerCounts | null> {
  return writeBatch(context, batch, await planBatch(context, batch), options);
}

/**
 * Writes a planned batch; see {@link processBatch}. A database target takes rows and state in one
 * transaction; an API target gets the rows first and the state once every row has an outcome.
 */
export async function writeBatch(context: EntityContext, batch: SourceBatch, plan: BatchPlan, options: BatchOptions): Promise<LedgerCounts | null> {
  const sink = context.sink;
  if (sink.kind === 'api') return writeApiBatch({ ...context, sink }, batch, plan, options);
  const { compiled, state, runId } = context;
  const entity = compiled.mapping.entity;
  const rows = rowsToWrite(compiled, plan.toWrite);

  // write rows and state in one transaction
  const claimed = context.batches.committed;
  const written = await context
    .retry(`writing ${plan.toWrite.length} rows`, () =>
      sink.transaction(async (tx) => {
        if (!(await state.claimBatch(tx.db, runId, entity, claimed))) return null;
        const result = await writeRows(tx, context.target, rows);
        return commitBatchState(tx, context, batch, plan, options, result, (folds) => foldIntoSurvivors(tx, context, folds));
      }),
    )
    .catch((error: unknown) => {
      throw batchDataFailure(entity, batch, error);
    });
  context.batches.committed = claimed + 1;
  return written;
}

/** The rows to send; a live row clears the archive flag a deletion may have set earlier. */
export function rowsToWrite(compiled: CompiledMapping, toWrite: BatchPlan['toWrite']): readonly { row: MappedRow; hash: string }[] {
  const { onDelete, archiveColumn } = compiled.mapping;
  return onDelete === 'archive' && archiveColumn ? toWrite.map(({ row, hash }) => ({ row: { ...row, values: { ...row.values, [archiveColumn]: null } }, hash })) : toWrite;
}

/**
 * Everything a written batch changes in the state, in the caller's transaction (the target's for a
 * database, the state database's for an API): id map, merges, rejects, watermark and ledger, after
 * checking that every row read is in exactly one bucket. `applyFolds` removes the target rows of
 * records now merged into a survivor (in the same transaction where the target is a database).
 */
export async function commitBatchState(
  tx: Pick<SqlSinkTransaction, 'db' | 'append'>,
  context: EntityContext,
  batch: SourceBatch,
  plan: BatchPlan,
  options: BatchOptions,
  result: WriteResult,
  applyFolds: (folds: readonly Fold[]) => Promise<void>,
): Promise<LedgerCounts> {
  const { compiled, state, runId } = context;
  const { db } = tx;
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
  if (plan.dedupe) await state.dedupe.commit(db, runId, entity, plan.dedupe, tx.append);
  const balance = unaccounted(counts);
  if (balance !== 0) {
    throw new FatalError(`ledger does not balance for a batch of ${entity}: ${balance} rows unaccounted (${JSON.stringify(counts)}); nothing of this batch was committed`);
  }
  if (options.clearPositionalRejects) await state.clearPositionalRejects(db, entity);
  await state.commitBatch(db, {
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

/** Classifies, maps, resolves, validates and diffs a batch against the id map; writes nothing. */
export async function planBatch(context: PlanContext, batch: SourceBatch): Promise<BatchPlan> {
  const { compiled, state, runId } = context;
  const entity = compiled.mapping.entity;
  const ledger = emptyLedger();
  ledger.read = batch.rows.length + batch.rejects.length;

  // A key PostgreSQL text cannot hold exactly never reaches the id map (a NUL would fail every
  // statement of the batch): its row is rejected by position, with the key shown escaped.
  const keyColumn = compiled.mapping.source.key;
  const rejects: Rejection[] = [];
  const rows = batch.rows.filter((row) => {
    const reason = unstorableKeyReason(keyColumn, row.key);
    if (reason !== null) rejects.push(rejection('read', null, row.origin, reason, row.data));
    return reason === null;
  });
  // A malformed record whose key also names a good row of this batch is kept by position, so that
  // the good row owns the key.
  const rowKeys = new Set(rows.map((row) => row.key));
  for (const r of batch.rejects) {
    const key = r.key !== null && unstorableKeyReason(keyColumn, r.key) !== null ? null : r.key;
    rejects.push(rejection('read', key, r.origin, r.reason, r.payload, key === null ? `@${r.origin}` : rowKeys.has(key) ? `@${r.origin}#${key}` : key));
  }
  const keys = [...new Set([...rowKeys, ...rejects.flatMap((r) => (r.key === null ? [] : [r.key]))])];
  const stateful = context.firstLoad ? context.firstLoad.seenBefore(keys) : keys;
  const known = new Map(await context.retry('reading the id map', () => state.lookupKeys(entity, stateful)));

  // classify and map
  const filtered: FilteredKey[] = [];
  const mapped: MappedRow[] = [];
  const seenInBatch = new Map<string, string>();
  for (const row of rows) {
    const firstOrigin = seenInBatch.get(row.key);
    const earlier = known.get(row.key);
    const seenEarlierInRun = !context.sourceCapabilities.uniqueKeys && earlier !== undefined && earlier.lastRunId === runId;
    if (firstOrigin !== undefined || seenEarlierInRun) {
      const where = firstOrigin ?? 'an earlier batch of this run';
      rejects.push(rejection('read', row.key, row.origin, `duplicate key '${row.key}': already read at ${where}`, row.data, `@${row.origin}#${row.key}`));
      continue;
    }
    seenInBatch.set(row.key, row.origin);
    if (compiled.isSoftDeleted(row)) {
      filtered.push({ key: row.key, reason: SOFT_DELETED, softDeleted: true });
      continue;
    }
    const filterReason = compiled.filterReason(row);
    if (filterReason !== null) {
      filtered.push({ key: row.key, reason: filterReason, softDeleted: false });
      continue;
    }
    const result = compiled.map(row);
    if ('stage' in result) rejects.push(result);
    else mapped.push(result);
  }

  const { resolved, rejected: orphans } = await context.retry('resolving references', () => resolveReferences(mapped, compiled, state));
  rejects.push(...orphans);
  const valid = validateRows(resolved, compiled, rejects);

  // merge duplicates into their survivors
  let candidates = valid.map((row) => ({ row, read: true }));
  let merged: DedupeResult['merged'] = [];
  let dedupe: DedupeDelta | null = null;
  const dedupePlan = compiled.mapping.dedupe;
  if (dedupePlan) {
    const firstLoad = context.firstLoad;
    const reader = firstLoad ? firstLoad.dedupeReader(context.dedupe, new Set(stateful)) : context.dedupe;
    const result = await context.retry('matching duplicates', () => dedupeStage(dedupePlan, entity, compiled.mapping.target.key, valid, reader));
    ({ anchors: candidates, merged, delta: dedupe } = result);
    firstLoad?.rememberMatchKeys(dedupe.records);
    const survivors = candidates.filter((c) => !c.read && !known.has(c.row.key) && !context.writtenInFlight?.has(c.row.key)).map((c) => c.row.key);
    if (survivors.length > 0) for (const [key, state] of await context.retry('reading the id map', () => context.state.lookupKeys(entity, survivors))) known.set(key, state);
  }

  // diff against the id map
  const toWrite: { row: MappedRow; hash: string; read: boolean }[] = [];
  const unchanged: string[] = [];
  for (const { row, read } of candidates) {
    const hash = rowHash(row.values, compiled.columns);
    const previous = known.get(row.key);
    if (previous && previous.status === 'loaded' && previous.ownsRow && previous.rowHash === hash) {
      if (read) unchanged.push(row.key);
    } else toWrite.push({ row, hash, read });
  }

  ledger.unchanged = unchanged.length;
  ledger.filtered = filtered.length;
  ledger.rejected = rejects.length;
  ledger.merged = merged.length;
  return { ledger, known, rejects, filtered, toWrite, unchanged, merged, dedupe };
}

/** Target schema checks, plus what PostgreSQL cannot store at all (NUL characters, lone surrogates). */
function validateRows(rows: readonly MappedRow[], compiled: CompiledMapping, rejects: Rejection[]): MappedRow[] {
  const check = compiled.mapping.validate;
  const valid: MappedRow[] = [];
  for (const row of rows) {
    const problems = check ? [...check.check(row.values)] : [];
    problems.push(...unstorableValueProblems(row.values));
    if (problems.length > 0) rejects.push(rejection('validate', row.key, row.origin, problems.join('; '), row.source));
    else valid.push(row);
  }
  return valid;
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

/**
 * A row newly seen soft-deleted whose key owns a target row queues `on_delete`. One seen
 * soft-deleted before had its action queued then (and maybe done).
 */
export function queuesDeletion(filtered: FilteredKey, previous: KeyState | undefined, onDelete: CompiledMapping['mapping']['onDelete']): boolean {
  const seenBefore = previous?.status === 'filtered' && previous.detail === SOFT_DELETED;
  return onDelete !== 'ignore' && filtered.softDeleted && previous?.ownsRow === true && !seenBefore;
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 3)}...` : text;
}

/**
 * Planning one batch: classify (duplicate, soft-deleted, filtered), map, resolve references,
 * validate, merge duplicates and diff against the id map. Writes nothing: the plan serves the
 * batch's write (write-batch.ts) and `cutover plan`.
 */
import type { SourceBatch, SourceCapabilities } from '../../../connectors/types.js';
import type { CompiledMapping, MappedRow } from '../../../transforms/mapping-engine.js';
import { rejection, type Rejection } from '../../../transforms/rejection.js';
import { rowHash } from '../../../transforms/row-hash.js';
import { emptyLedger, type LedgerCounts } from '../../state/ledger.js';
import type { KeyState, StateStore } from '../../state/state-store.js';
import type { FirstLoad } from './first-load.js';
import { dedupeStage, type DedupeDelta, type DedupeReader, type DedupeResult } from './dedupe-stage.js';
import { resolveReferences, type ReferenceResolver } from '../../session/resolve-references.js';
import { unstorableKeyReason, unstorableValueProblems } from './storable-values.js';

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

/** Why a row left the path on purpose: soft-deleted in the source, or a `filter` rule. */
export interface FilteredKey {
  readonly key: string;
  readonly reason: string;
  readonly softDeleted: boolean;
}

/** The reason a soft-deleted row is filtered with; a key seen with it before has had its `on_delete` queued. */
export const SOFT_DELETED = 'soft-deleted in the legacy CRM';

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

/**
 * A row newly seen soft-deleted whose key owns a target row queues `on_delete`. One seen
 * soft-deleted before had its action queued then (and maybe done).
 */
export function queuesDeletion(filtered: FilteredKey, previous: KeyState | undefined, onDelete: CompiledMapping['mapping']['onDelete']): boolean {
  const seenBefore = previous?.status === 'filtered' && previous.detail === SOFT_DELETED;
  return onDelete !== 'ignore' && filtered.softDeleted && previous?.ownsRow === true && !seenBefore;
}

/**
 * `cutover plan`: what a run would do, per entity, writing nothing. The source is read exactly as a
 * run reads it (from the watermark, or everything with `full`) and every batch goes through the
 * same classification, mapping, reference resolution, validation and id-map diff; the target is
 * only read (and not even opened when it does not exist yet). Child entities resolve references
 * against what the plan would load, so a first-run plan does not call every child an orphan.
 * What only the target can tell (a constraint refusing a row) shows in a run, not in a plan.
 */
import { sinkExists } from '../../connectors/registry.js';
import type { ColumnInfo, SourceCapabilities } from '../../connectors/types.js';
import type { EntityMapping } from '../../transforms/entity-mapping.js';
import { compileMapping } from '../../transforms/mapping-engine.js';
import type { Project } from '../config/project.js';
import type { Logger } from '../logger.js';
import { emptyLedger } from '../state/ledger.js';
import { rewindWatermark } from '../state/watermark.js';
import type { KeyState, StateStore } from '../state/state-store.js';
import { goneFromSource } from './deletions/detect-deletes.js';
import type { CandidateLists, DedupeRecord, ReviewDecision } from '../state/dedupe-store.js';
import type { DedupeDelta, DedupeReader } from './stages/dedupe-stage.js';
import { addCandidates, clusterSizesOf, overlayMembers } from './stages/dedupe-overlay.js';
import { planBatch, queuesDeletion, type PlanContext } from './stages/plan-batch.js';
import { ProjectSession } from '../session/project-session.js';
import { ProjectSources } from '../session/project-sources.js';
import type { RunObserver } from '../session/run-events.js';
import { retrier } from '../session/retrier.js';
import { checkEntitySource } from './run-entity.js';
import { sourceEntityOf } from '../session/source-entity.js';
import { selectEntities } from './run-project.js';
import { runInProgress, waitForRunToEnd, type RunInProgress } from '../session/run-in-progress.js';
import { compareColumns, describeDrift } from './schema-drift.js';

export interface EntityPlan {
  readonly entity: string;
  readonly read: number;
  readonly insert: number;
  readonly update: number;
  readonly unchanged: number;
  readonly merge: number;
  readonly reject: number;
  readonly filter: number;
  /** Target rows that would be deleted or archived (`on_delete`). */
  readonly delete: number;
  /** Legacy rows gone from the source (with `detectDeletes`). */
  readonly goneFromSource: number;
  /** Source schema changes since the last run. */
  readonly drift: readonly string[];
}

export interface ProjectPlan {
  readonly project: string;
  readonly mode: 'full' | 'incremental';
  /** False when no run has happened on this target yet: every row would be new. */
  readonly stateExists: boolean;
  readonly entities: readonly EntityPlan[];
  /** A run was writing while this plan was made: the plan is as of its last committed batch. */
  readonly inProgress?: RunInProgress;
}

export interface PlanOptions {
  readonly entities?: readonly string[];
  readonly full?: boolean;
  readonly detectDeletes?: boolean;
  readonly log: Logger;
  readonly observer?: RunObserver;
  readonly signal?: AbortSignal;
  /** With a run in progress: wait this long (ms) for it to end first; null plans at once. @default null */
  readonly waitMs?: number | null;
}

type StateReader = Pick<StateStore, 'lookupKeys' | 'resolveTargetIds'>;

/**
 * Stands for the target id a planned parent row would get, so that the child row passes target
 * schema checks; shaped as a UUID, the usual key of a new CRM's rows.
 */
const PLANNED_ID = '00000000-0000-4000-8000-000000000000';

/** The id map as it would be after the entities planned so far: keys that would gain or lose their target row. */
class PlannedState implements StateReader {
  readonly #base: StateReader | null;
  /** Per entity: legacy key → true when the plan would give it a target row, false when it would leave the path. */
  readonly #changes = new Map<string, Map<string, boolean>>();

  constructor(base: StateReader | null) {
    this.#base = base;
  }

  async lookupKeys(entity: string, keys: readonly string[]): Promise<Map<string, KeyState>> {
    return this.#base ? this.#base.lookupKeys(entity, keys) : new Map();
  }

  async resolveTargetIds(entity: string, keys: readonly string[]): Promise<Map<string, string>> {
    const resolved = this.#base ? await this.#base.resolveTargetIds(entity, keys) : new Map<string, string>();
    const changes = this.#changes.get(entity);
    if (!changes) return resolved;
    for (const key of keys) {
      const change = changes.get(key);
      if (change === true && !resolved.has(key)) resolved.set(key, PLANNED_ID);
      if (change === false) resolved.delete(key);
    }
    return resolved;
  }

  record(entity: string, key: string, loaded: boolean): void {
    let changes = this.#changes.get(entity);
    if (!changes) this.#changes.set(entity, (changes = new Map()));
    changes.set(key, loaded);
  }
}

/**
 * Dedupe records as they would be after the batches planned so far, so that a plan finds the
 * duplicates a run would. Keeps profiles and clusters of planned records in memory (not their
 * values: the plan counts rows, it does not compute survivors' values).
 */
class PlannedDedupe implements DedupeReader {
  readonly #base: DedupeReader | null;
  readonly #records = new Map<string, Map<string, DedupeRecord>>();
  readonly #index = new Map<string, Map<string, string[]>>();

  constructor(base: DedupeReader | null) {
    this.#base = base;
  }

  #recordsOf(entity: string) {
    let records = this.#records.get(entity);
    if (!records) this.#records.set(entity, (records = new Map()));
    return records;
  }

  async records(entity: string, keys: readonly string[]): Promise<Map<string, DedupeRecord>> {
    const found = this.#base ? await this.#base.records(entity, keys) : new Map<string, DedupeRecord>();
    const planned = this.#recordsOf(entity);
    for (const key of keys) if (planned.has(key)) found.set(key, planned.get(key)!);
    return found;
  }

  async members(entity: string, anchorKeys: readonly string[]): Promise<DedupeRecord[]> {
    return overlayMembers(this.#base ? await this.#base.members(entity, anchorKeys) : [], this.#recordsOf(entity), anchorKeys);
  }

  async candidates(entity: string, matchKeys: readonly string[], limit: number): Promise<CandidateLists> {
    const found: CandidateLists = this.#base ? await this.#base.candidates(entity, matchKeys, limit) : new Map();
    const planned = this.#recordsOf(entity);
    const index = this.#index.get(entity);
    for (const matchKey of matchKeys) {
      // Stored versions of planned records are left out here, not in the query: an entity's
      // planned keys are too many to send with every batch.
      const kept = found.get(matchKey)?.filter((candidate) => !planned.has(candidate.key));
      if (kept?.length === 0) found.delete(matchKey);
      else if (kept) found.set(matchKey, kept);
      addCandidates(found, matchKey, (index?.get(matchKey) ?? []).map((key) => planned.get(key)!), limit);
    }
    return found;
  }

  async clusterSizes(entity: string, anchorKeys: readonly string[]): Promise<Map<string, number>> {
    return clusterSizesOf(await this.members(entity, anchorKeys));
  }

  async decisions(entity: string, keys: readonly string[]): Promise<Map<string, ReviewDecision>> {
    return this.#base ? this.#base.decisions(entity, keys) : new Map();
  }

  record(entity: string, delta: DedupeDelta): void {
    const planned = this.#recordsOf(entity);
    let index = this.#index.get(entity);
    if (!index) this.#index.set(entity, (index = new Map()));
    for (const record of delta.records) {
      if (!planned.has(record.key)) for (const matchKey of record.matchKeys) index.set(matchKey, [...(index.get(matchKey) ?? []), record.key]);
      planned.set(record.key, { key: record.key, anchorKey: record.anchorKey, profile: record.profile, values: {} });
    }
  }
}

export async function planProject(project: Project, options: PlanOptions): Promise<ProjectPlan> {
  const mappings = selectEntities(project, options.entities ?? []);
  const observer = options.observer ?? {};
  const sources = new ProjectSources(project, { log: options.log, observer, signal: options.signal });
  let session: ProjectSession | null = null;
  try {
    const columns = new Map<string, readonly ColumnInfo[]>();
    for (const mapping of mappings) columns.set(mapping.entity, await checkEntitySource(sources.sourceFor(mapping), mapping, { log: options.log, observer, signal: options.signal }));
    // An API target's state is a database of its own: a plan must not create it either.
    if (await sinkExists(project.target.state ?? project.target.connection)) {
      session = await ProjectSession.open(project, options.log, { prepare: false, stateRequired: false, observer, signal: options.signal });
      if (options.waitMs !== undefined && options.waitMs !== null) await waitForRunToEnd(session, { timeoutMs: options.waitMs, log: options.log, what: 'planning' });
    }
    const inProgress = session ? await runInProgress(session) : null;
    const state = session && (await session.state.exists()) ? session.state : null;
    const planned = new PlannedState(state);
    const plannedDedupe = new PlannedDedupe(state ? state.dedupe : null);
    const entities: EntityPlan[] = [];
    for (const mapping of mappings) {
      const previousColumns = state ? await state.sourceColumns(mapping.entity) : null;
      const drift = previousColumns ? describeDrift(compareColumns(mapping.entity, previousColumns, columns.get(mapping.entity)!, compileMapping(mapping).sourceColumns)) : [];
      entities.push({ ...(await planEntity(project, mapping, sources, state, planned, plannedDedupe, options)), drift });
    }
    return { project: project.name, mode: options.full ? 'full' : 'incremental', stateExists: state !== null, entities, ...(inProgress ? { inProgress } : {}) };
  } finally {
    await sources.close();
    await session?.close();
  }
}

async function planEntity(
  project: Project,
  mapping: EntityMapping,
  sources: ProjectSources,
  state: StateStore | null,
  planned: PlannedState,
  plannedDedupe: PlannedDedupe,
  options: PlanOptions,
): Promise<Omit<EntityPlan, 'drift'>> {
  const log = options.log.child({ entity: mapping.entity });
  const source = sources.sourceFor(mapping);
  const retry = retrier(project.options.retry, log, options.observer ?? {}, options.signal);
  const capabilities: SourceCapabilities = source.capabilities;
  const context: PlanContext = { runId: -1, compiled: compileMapping(mapping), state: planned, sourceCapabilities: capabilities, retry, dedupe: plannedDedupe };
  const watermark = state && capabilities.resumable && !options.full ? await state.getWatermark(mapping.entity) : null;
  const plan = { entity: mapping.entity, read: 0, insert: 0, update: 0, unchanged: 0, merge: 0, reject: 0, filter: 0, delete: 0, goneFromSource: 0 };
  options.observer?.entityStarted?.(mapping.entity);
  const sourceEntity = sourceEntityOf(mapping);
  for await (const batch of source.read({ entity: sourceEntity, after: rewindWatermark(watermark, project.options.lookbackSeconds), batchSize: mapping.batchSize, signal: options.signal })) {
    const result = await planBatch(context, batch);
    plan.read += result.ledger.read;
    plan.unchanged += result.unchanged.length;
    plan.filter += result.filtered.length;
    plan.reject += result.rejects.length;
    plan.merge += result.merged.length;
    if (result.dedupe) plannedDedupe.record(mapping.entity, result.dedupe);
    for (const { row } of result.merged) planned.record(mapping.entity, row.key, true);
    for (const { row, read } of result.toWrite) {
      if (!read) continue;
      const previous = result.known.get(row.key);
      if (previous?.ownsRow) plan.update++;
      else plan.insert++;
      if (previous?.status !== 'loaded') planned.record(mapping.entity, row.key, true);
    }
    for (const filtered of result.filtered) {
      if (queuesDeletion(filtered, result.known.get(filtered.key), mapping.onDelete)) plan.delete++;
      planned.record(mapping.entity, filtered.key, false);
    }
    for (const reject of result.rejects) if (reject.key !== null && reject.ref === reject.key) planned.record(mapping.entity, reject.key, false);
    options.observer?.batchCommitted?.(mapping.entity, { ...emptyLedger(), read: plan.read });
  }
  if (state) {
    if (mapping.onDelete !== 'ignore') plan.delete += await state.deletions.pendingActionCount(mapping.entity);
    if (options.detectDeletes) {
      for await (const gone of goneFromSource(state.deletions, source, mapping, { retry, signal: options.signal })) {
        plan.goneFromSource += gone.length;
        if (mapping.onDelete !== 'ignore') plan.delete += gone.filter((entry) => entry.ownsRow).length;
      }
    }
  }
  options.observer?.entityFinished?.(mapping.entity, { ...emptyLedger(), read: plan.read });
  return plan;
}

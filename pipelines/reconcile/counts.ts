/**
 * The reconciliation equation by counts, for every entity:
 * `source rows in scope = loaded + merged + filtered + rejected`, with unaccounted = 0, and the
 * target holding exactly the rows the id map says it should.
 */
import type { EntityMapping } from '../../transforms/entity-mapping.js';
import type { ProjectSession } from '../session/project-session.js';
import { sourceEntityOf } from '../session/source-entity.js';

export interface EntityReconciliation {
  readonly entity: string;
  /** Source rows in scope now. */
  readonly source: number;
  /** Source rows with a target row of their own. */
  readonly loaded: number;
  /** Merged into a survivor's target row. */
  readonly merged: number;
  /** Left out on purpose (soft-deleted, filter rules). */
  readonly filtered: number;
  /** In the rejects table with a reason. */
  readonly rejected: number;
  /** `source − (loaded + merged + filtered + rejected)`: rows never processed, or deleted from the source since. */
  readonly unaccounted: number;
  readonly target: {
    /** Target rows the state says exist. */
    readonly expected: number;
    /** Target rows carrying a legacy key; null when the target cannot count them (`capabilities.counts` false: an API without a count endpoint). */
    readonly actual: number | null;
  };
  readonly reconciled: boolean;
}

export interface Reconciliation {
  readonly project: string;
  readonly generatedAt: string;
  readonly entities: readonly EntityReconciliation[];
  readonly reconciled: boolean;
}

export async function reconcileCounts(session: ProjectSession, entities?: readonly string[]): Promise<Reconciliation> {
  const selected = session.project.entities.filter((m) => !entities || entities.length === 0 || entities.includes(m.entity));
  const results: EntityReconciliation[] = [];
  for (const mapping of selected) results.push(await reconcileEntity(session, mapping));
  return {
    project: session.project.name,
    generatedAt: new Date().toISOString(),
    entities: results,
    reconciled: results.every((r) => r.reconciled),
  };
}

async function reconcileEntity(session: ProjectSession, mapping: EntityMapping): Promise<EntityReconciliation> {
  const [source, state, actual] = await Promise.all([
    session.sourceFor(mapping).count(sourceEntityOf(mapping)),
    session.state.counts(mapping.entity),
    countTargetRows(session, mapping),
  ]);
  const loaded = state.byStatus.loaded;
  const merged = state.byStatus.merged;
  const filtered = state.byStatus.filtered;
  const rejected = state.rejects;
  const unaccounted = source - (loaded + merged + filtered + rejected);
  return {
    entity: mapping.entity,
    source,
    loaded,
    merged,
    filtered,
    rejected,
    unaccounted,
    target: { expected: state.ownedRows, actual },
    reconciled: unaccounted === 0 && (actual === null || state.ownedRows === actual),
  };
}

async function countTargetRows(session: ProjectSession, mapping: EntityMapping): Promise<number | null> {
  const sink = session.sink;
  return sink.capabilities.counts && sink.countRows ? sink.countRows(mapping.target) : null;
}

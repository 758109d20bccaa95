/**
 * The reconciliation equation by counts, for every entity:
 * `source rows in scope = loaded + merged + filtered + rejected`, with unaccounted = 0, and the
 * target holding exactly the rows the id map says it should.
 */
import { sql } from 'kysely';
import type { SourceEntity } from '../../connectors/types.js';
import type { EntityMapping } from '../../transforms/entity-mapping.js';
import type { ProjectSession } from '../runner/project-session.js';

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
    /** Target rows carrying a legacy key; null when the target cannot count them (an API without a count endpoint). */
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
  const sourceEntity: SourceEntity = { table: mapping.source.table, key: mapping.source.key, cursor: mapping.source.cursor, where: mapping.source.where };
  const [source, state, actual] = await Promise.all([
    session.sourceFor(mapping).count(sourceEntity),
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
  if (sink.kind === 'api') return sink.countRows ? sink.countRows(mapping.target) : null;
  const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(mapping.target.table)} WHERE ${sql.ref(mapping.target.key)} IS NOT NULL`.execute(
    sink.db,
  );
  return Number(rows[0]?.n ?? 0);
}

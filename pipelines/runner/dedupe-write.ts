/**
 * The write side of merges: merged rows point at their survivor's target row in the id map (so
 * that children resolve to it), and a record that owned a target row of its own before it was
 * merged (dedupe enabled later, or a review decision) hands its children to the survivor and its
 * row is deleted, in the batch's transaction.
 */
import { sql, type Kysely } from 'kysely';
import type { SqlSinkTransaction } from '../../connectors/types.js';
import type { EntityMapping } from '../../transforms/entity-mapping.js';
import { compileMapping } from '../../transforms/mapping-engine.js';
import { rejection, type Rejection } from '../../transforms/rejection.js';
import type { KeyState, KeyUpdate } from '../state/state-store.js';
import type { DedupeResult } from './dedupe-stage.js';
import type { EntityContext } from './process-batch.js';
import type { WrittenRow } from './write-rows.js';

/** A lookup field of another entity that holds this entity's target ids. */
export interface ChildReference {
  readonly entity: string;
  readonly table: string;
  /** The child's target key column (its legacy key). */
  readonly key: string;
  readonly field: string;
}

/** Every lookup field of the project's entities that points at `entity`. */
export function childReferences(entities: readonly EntityMapping[], entity: string): ChildReference[] {
  return entities.flatMap((child) =>
    compileMapping(child)
      .lookups.filter((lookup) => lookup.entity === entity)
      .map((lookup) => ({ entity: child.entity, table: child.target.table, key: child.target.key, field: lookup.field })),
  );
}

export interface Fold {
  readonly legacyKey: string;
  readonly ownTargetId: string;
  readonly survivorTargetId: string;
}

export function mergedKeyUpdates(
  merged: DedupeResult['merged'],
  written: readonly WrittenRow[],
  known: ReadonlyMap<string, KeyState>,
): { updates: KeyUpdate[]; rejected: Rejection[]; folds: Fold[] } {
  const writtenIds = new Map(written.map((row) => [row.key, row.targetId]));
  const updates: KeyUpdate[] = [];
  const rejected: Rejection[] = [];
  const folds: Fold[] = [];
  for (const { row, anchorKey, rule, score } of merged) {
    const survivor = known.get(anchorKey);
    const survivorTargetId = writtenIds.get(anchorKey) ?? (survivor?.status === 'loaded' ? survivor.targetId : null);
    if (!survivorTargetId) {
      rejected.push(rejection('dedupe', row.key, row.origin, `duplicate of ${anchorKey} (${rule}), whose row could not be written`, row.source));
      continue;
    }
    const previous = known.get(row.key);
    if (previous?.ownsRow && previous.targetId && previous.targetId !== survivorTargetId) {
      folds.push({ legacyKey: row.key, ownTargetId: previous.targetId, survivorTargetId });
    }
    updates.push({
      legacyKey: row.key,
      status: 'merged',
      targetId: survivorTargetId,
      ownsRow: false,
      rowHash: null,
      detail: `merged into ${anchorKey}: ${rule} (score ${score.toFixed(3)})`,
      pendingAction: null,
      references: row.references ?? null,
    });
  }
  return { updates, rejected, folds };
}

/** Children of each folded record now point at its survivor; its own target row goes. */
export async function foldIntoSurvivors(tx: SqlSinkTransaction, context: Pick<EntityContext, 'children' | 'target' | 'state'>, folds: readonly Fold[]): Promise<void> {
  for (const fold of folds) {
    await repointChildren(tx, context, fold.legacyKey, fold.survivorTargetId);
    await sql`DELETE FROM ${sql.table(context.target.table)} WHERE ${sql.ref(context.target.id)} = ${fold.ownTargetId}`.execute(tx.db);
  }
}

/** Child rows whose legacy parent is `legacyKey` now point at `targetId`. */
export async function repointChildren(tx: SqlSinkTransaction, context: Pick<EntityContext, 'children' | 'state'>, legacyKey: string, targetId: string): Promise<void> {
  const idMap = sql.table(`${context.state.schema}.id_map`);
  for (const child of context.children) {
    await sql`UPDATE ${sql.table(child.table)} SET ${sql.ref(child.field)} = ${targetId}
      WHERE ${sql.ref(child.key)} IN (SELECT legacy_key FROM ${idMap} WHERE entity = ${child.entity} AND refs @> ${JSON.stringify({ [child.field]: legacyKey })}::jsonb)`.execute(tx.db);
  }
}

/** Legacy keys of `child` rows written with `legacyKey` as their parent in `child.field`, and owning a target row. */
export async function childKeysOf(db: Kysely<any>, schema: string, child: ChildReference, legacyKey: string): Promise<string[]> {
  const { rows } = await sql<{ legacy_key: string }>`SELECT legacy_key FROM ${sql.table(`${schema}.id_map`)}
    WHERE entity = ${child.entity} AND owns_row AND status = 'loaded' AND refs @> ${JSON.stringify({ [child.field]: legacyKey })}::jsonb`.execute(db);
  return rows.map((row) => row.legacy_key);
}

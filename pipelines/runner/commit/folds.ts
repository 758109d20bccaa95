/**
 * The write side of merges: merged rows point at their survivor's target row in the id map (so
 * that children resolve to it), and a record that owned a target row of its own before it was
 * merged (dedupe enabled later, or a review decision) hands its children to the survivor and its
 * row is deleted, in the batch's write.
 */
import type { SinkWriter, StateTransaction } from '../../../connectors/sink.js';
import type { TargetTable } from '../../../connectors/types.js';
import { FatalError } from '../../../connectors/errors.js';
import { rejection, type Rejection } from '../../../transforms/rejection.js';
import type { KeyState, KeyUpdate, StateStore } from '../../state/state-store.js';
import { childTarget, type ChildReference } from '../../session/child-references.js';
import type { DedupeResult } from '../stages/dedupe-stage.js';
import type { WrittenRow } from './written-rows.js';

/** A record merged into a survivor that owned a target row of its own. */
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

/** What folding needs to know of the entity. */
export interface FoldContext {
  readonly entity: string;
  readonly target: TargetTable;
  readonly children: readonly ChildReference[];
  readonly state: Pick<StateStore, 'childKeysOf'>;
  /** The target deletes rows (`capabilities.deletes`). */
  readonly deletes: boolean;
}

/**
 * Children of each folded record now point at its survivor, then its own target row goes. The
 * children are found in the state (`stateTx`: the write's own transaction where the state is in
 * the target); re-pointing and deleting are idempotent, so a crash before the state commits is
 * repaired by the next run doing it again.
 */
export async function applyFolds(writer: SinkWriter, context: FoldContext, folds: readonly Fold[], stateTx: StateTransaction | undefined): Promise<void> {
  if (folds.length === 0) return;
  if (!context.deletes) {
    throw new FatalError(`${context.entity}: ${folds.length} records merged into a survivor own a target row, and the target cannot delete rows (target.api.delete)`);
  }
  for (const child of context.children) {
    for (const fold of folds) {
      const keys = await context.state.childKeysOf(child.entity, child.field, fold.legacyKey, stateTx);
      if (keys.length > 0) await writer.repoint(childTarget(child), keys, fold.survivorTargetId);
    }
  }
  const deleted = await writer.delete(context.target, folds.map((fold) => fold.ownTargetId));
  const refused = deleted.find((outcome) => !outcome.ok);
  if (refused) throw new FatalError(`${context.entity}: the target row ${refused.id} of a duplicate merged into its survivor could not be deleted: ${refused.reason ?? 'refused'}`);
}

/**
 * Lookup fields carry a parent's legacy key; here it becomes the parent's target id through the
 * id map, one query per lookup and batch. An orphan is rejected (or nulled if the mapping says so),
 * never guessed; the reason says whether the parent is missing from the source or was left out.
 */
import type { CompiledMapping, MappedRow } from '../../transforms/mapping-engine.js';
import { rejection, type Rejection } from '../../transforms/rejection.js';
import type { StateStore } from '../state/state-store.js';

/** The id-map reads that resolving needs: the state store, or a plan's view of what a run would load. */
export type ReferenceResolver = Pick<StateStore, 'resolveTargetIds' | 'lookupKeys'>;

export async function resolveReferences(
  rows: readonly MappedRow[],
  compiled: CompiledMapping,
  state: ReferenceResolver,
): Promise<{ resolved: MappedRow[]; rejected: Rejection[] }> {
  if (compiled.lookups.length === 0 || rows.length === 0) return { resolved: [...rows], rejected: [] };
  const failures = new Map<MappedRow, string[]>();
  for (const lookup of compiled.lookups) {
    const keys = new Set<string>();
    for (const row of rows) {
      const value = row.values[lookup.field];
      if (value !== null && value !== undefined) keys.add(String(value));
    }
    const targetIds = await state.resolveTargetIds(lookup.entity, [...keys]);
    const missing = [...keys].filter((key) => !targetIds.has(key));
    const why = missing.length > 0 ? await state.lookupKeys(lookup.entity, missing) : new Map();
    for (const row of rows) {
      const value = row.values[lookup.field];
      if (value === null || value === undefined) continue;
      const legacyKey = String(value);
      const targetId = targetIds.get(legacyKey);
      if (targetId !== undefined) {
        (row.references ??= {})[lookup.field] = legacyKey;
        row.values[lookup.field] = targetId;
      } else if (lookup.onMissing === 'null') {
        row.values[lookup.field] = null;
      } else {
        const parent = why.get(legacyKey);
        const state = parent ? `was ${parent.status}${parent.detail ? ` (${parent.detail})` : ''}` : 'is not in the id map (missing from the source or not migrated yet)';
        const reasons = failures.get(row) ?? [];
        reasons.push(`field \`${lookup.field}\`: ${lookup.entity} '${legacyKey}' ${state}; orphan`);
        failures.set(row, reasons);
      }
    }
  }
  const resolved: MappedRow[] = [];
  const rejected: Rejection[] = [];
  for (const row of rows) {
    const reasons = failures.get(row);
    if (reasons) rejected.push(rejection('resolve', row.key, row.origin, reasons.join('; '), row.source));
    else resolved.push(row);
  }
  return { resolved, rejected };
}

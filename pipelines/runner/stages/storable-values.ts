/**
 * What a row may carry into PostgreSQL, checked while the row can still be rejected on its own: a
 * legacy key is stored as-is in the id map (and looked up by equality), so one that PostgreSQL
 * text cannot hold exactly is refused; a mapped value with a NUL character or a lone surrogate
 * would fail the batch's write (or be silently altered by the driver) and is refused too.
 */
import type { SourceBatch } from '../../../connectors/types.js';
import { RunError } from '../../errors.js';
import { isStorableText, storableText, unstorableDetail } from '../../state/storable-text.js';
import { describeStateDataError, isStateDataError } from '../../state/state-data-error.js';

/** Why `key` (of column `column`) cannot be a legacy key in the state, or null when it can. */
export function unstorableKeyReason(column: string, key: string): string | null {
  const detail = unstorableDetail(key);
  if (detail === null) return null;
  return `key \`${column}\` '${storableText(key)}' contains ${detail}, which PostgreSQL text cannot store exactly, so the row is rejected under its position; fix the key in the source`;
}

/** One problem per mapped field whose text (at any depth of a JSON value) PostgreSQL cannot store. */
export function unstorableValueProblems(values: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  for (const [column, value] of Object.entries(values)) {
    const found = firstUnstorable(value, 0);
    if (found === null) continue;
    const detail = unstorableDetail(found)!;
    const fix = found.includes('\u0000') ? "; add { replace: { pattern: '\\u0000', with: '' } } to drop it" : '';
    problems.push(`field \`${column}\` contains ${detail}, which PostgreSQL text cannot store${fix}`);
  }
  return problems;
}

function firstUnstorable(value: unknown, depth: number): string | null {
  if (typeof value === 'string') return isStorableText(value) ? null : value;
  if (value === null || typeof value !== 'object' || depth > 32 || value instanceof Date || ArrayBuffer.isView(value)) return null;
  for (const [name, field] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    if (typeof name === 'string' && !isStorableText(name)) return name;
    const found = firstUnstorable(field, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/**
 * A batch the database refused for a value's sake after the rows were isolated (a value in the
 * state rather than in the target): which rows, and that running again stops in the same place
 * until the value is fixed, rather than "run again to resume".
 */
export function batchDataFailure(entity: string, batch: SourceBatch, error: unknown): Error {
  if (!isStateDataError(error)) return error as Error;
  const origins = [...batch.rows, ...batch.rejects].map((row) => row.origin);
  const where = origins.length === 0 ? '' : ` (${storableText(origins[0]!)} to ${storableText(origins.at(-1)!)})`;
  return new RunError(`${entity}: a batch of ${origins.length} rows${where} could not be committed: ${describeStateDataError(error)}`, {
    cause: error,
    hint: 'nothing of this batch was committed; a value in these rows is one the database cannot store: fix it in the source (or drop it in the mapping), then run again',
  });
}

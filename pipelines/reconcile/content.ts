/**
 * Content reconciliation, value by value: each target row cutover owns is compared with what the
 * source says it should hold now (the source row re-mapped exactly as a run maps it, references
 * resolved through the id map; for a merged cluster, the survivorship of its records), page by
 * page in key order, fetching both sides by key. Values compare in canonical form so that the two
 * databases' types meet fairly: decimals without trailing zeros, timestamps as instants, empty text
 * as NULL. Target rows no key owns are counted too.
 */
import { sql } from 'kysely';
import type { EntityMapping } from '../../transforms/entity-mapping.js';
import { surviveCluster } from '../../transforms/dedupe/survivorship.js';
import { compileMapping, type MappedRow } from '../../transforms/mapping-engine.js';
import type { ProjectSession } from '../runner/project-session.js';
import { resolveReferences } from '../runner/resolve-references.js';
import { sourceEntityOf } from '../runner/run-entity.js';

const PAGE_SIZE = 2_000;

export interface ContentDifference {
  readonly key: string;
  /** The differing column; null when the whole row is missing or extra. */
  readonly field: string | null;
  readonly source: unknown;
  readonly target: unknown;
}

export interface EntityContent {
  readonly entity: string;
  /** False when the source cannot fetch rows by key (file exports): nothing was compared. */
  readonly compared: boolean;
  readonly rowsCompared: number;
  /** Rows with at least one difference, rows missing in the target, and target rows no key owns. */
  readonly differingRows: number;
  /** The first differences found (at most `limit`). */
  readonly differences: readonly ContentDifference[];
  readonly note?: string;
}

export async function reconcileContent(session: ProjectSession, mapping: EntityMapping, options: { limit?: number } = {}): Promise<EntityContent> {
  const limit = options.limit ?? 100;
  const sink = session.sink;
  if (sink.kind !== 'sql') {
    return { entity: mapping.entity, compared: false, rowsCompared: 0, differingRows: 0, differences: [], note: `the target is an HTTP API (${sink.endpoint}); values were not compared, counts were` };
  }
  const source = session.sourceFor(mapping);
  if (!source.capabilities.keyLookup || !source.readKeys) {
    return { entity: mapping.entity, compared: false, rowsCompared: 0, differingRows: 0, differences: [], note: 'the source cannot fetch rows by key (file exports); values were not compared' };
  }
  const compiled = compileMapping(mapping);
  const { table, key: targetKey } = mapping.target;
  const idMap = sql.table(`${session.state.schema}.id_map`);
  const differences: ContentDifference[] = [];
  let differingRows = 0;
  let rowsCompared = 0;
  const note = (difference: ContentDifference) => {
    if (differences.length < limit) differences.push(difference);
  };
  let after: string | null = null;
  for (;;) {
    const { rows: page } = await sql<{ legacy_key: string }>`SELECT legacy_key FROM ${idMap}
      WHERE entity = ${mapping.entity} AND status = 'loaded' AND owns_row AND (${after}::text IS NULL OR legacy_key > ${after})
      ORDER BY legacy_key LIMIT ${PAGE_SIZE}`.execute(sink.db);
    if (page.length === 0) break;
    const keys = page.map((row) => row.legacy_key);
    after = keys[keys.length - 1]!;
    const { rows: targetRows } = await sql<Record<string, unknown>>`SELECT ${sql.join(compiled.columns.map((c) => sql.ref(c)))} FROM ${sql.table(table)}
      WHERE ${sql.ref(targetKey)} = ANY(${keys})`.execute(sink.db);
    const actual = new Map(targetRows.map((row) => [String(row[targetKey]), row]));
    const expected = mapping.dedupe ? await survivorValues(session, mapping, keys) : await remapped(session, mapping, keys);
    for (const key of keys) {
      const want = expected.get(key);
      if (want === undefined) continue; // gone from the source since the last run: a deletion, not a content difference
      rowsCompared++;
      const have = actual.get(key);
      if (!have) {
        differingRows++;
        note({ key, field: null, source: 'row', target: null });
        continue;
      }
      let differs = false;
      for (const column of compiled.columns) {
        if (canonical(want[column]) === canonical(have[column])) continue;
        differs = true;
        note({ key, field: column, source: want[column] ?? null, target: have[column] ?? null });
      }
      if (differs) differingRows++;
    }
  }
  const { rows: extra } = await sql<{ key: string }>`SELECT t.${sql.ref(targetKey)}::text AS key FROM ${sql.table(table)} t
    WHERE t.${sql.ref(targetKey)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${idMap} m WHERE m.entity = ${mapping.entity} AND m.legacy_key = t.${sql.ref(targetKey)}::text AND m.owns_row)
    LIMIT ${limit}`.execute(sink.db);
  for (const row of extra) note({ key: row.key, field: null, source: null, target: 'row' });
  differingRows += extra.length;
  return { entity: mapping.entity, compared: true, rowsCompared, differingRows, differences };
}

/** The source rows of `keys` mapped as a run maps them, references resolved. */
async function remapped(session: ProjectSession, mapping: EntityMapping, keys: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  const compiled = compileMapping(mapping);
  const rows = await session.sourceFor(mapping).readKeys!(sourceEntityOf(mapping), keys);
  const mapped: MappedRow[] = [];
  for (const row of rows) {
    if (compiled.isSoftDeleted(row) || compiled.filterReason(row) !== null) continue;
    const result = compiled.map(row);
    if (!('stage' in result)) mapped.push(result);
  }
  const { resolved } = await resolveReferences(mapped, compiled, session.state);
  return new Map(resolved.map((row) => [row.key, row.values]));
}

/** For a dedupe entity: each anchor's survivorship values over its records as last loaded. */
async function survivorValues(session: ProjectSession, mapping: EntityMapping, anchors: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  const members = await session.state.dedupe.members(mapping.entity, anchors);
  const byAnchor = new Map<string, typeof members>();
  for (const member of members) byAnchor.set(member.anchorKey, [...(byAnchor.get(member.anchorKey) ?? []), member]);
  const values = new Map<string, Record<string, unknown>>();
  for (const [anchor, records] of byAnchor) {
    const own = records.find((record) => record.key === anchor);
    if (!own) continue;
    const survived = surviveCluster(mapping.dedupe!, records);
    survived[mapping.target.key] = own.values[mapping.target.key];
    values.set(anchor, survived);
  }
  return values;
}

const DECIMAL = /^[+-]?\d+(\.\d+)?$/;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}(?::?\d{2})?)$/;

/** A value in a form both databases' types agree on. */
export function canonical(value: unknown): string {
  if (value === null || value === undefined || value === '') return '∅';
  if (value instanceof Date) return `t${value.getTime()}`;
  if (typeof value === 'boolean') return value ? 'T' : 'F';
  if (typeof value === 'number' || typeof value === 'bigint') return `n${canonicalDecimal(String(value))}`;
  if (typeof value === 'string') {
    if (DECIMAL.test(value)) return `n${canonicalDecimal(value)}`;
    const time = TIMESTAMP.exec(value);
    if (time) {
      const zone = time[3] === 'Z' ? 'Z' : time[3]!.length === 3 ? `${time[3]}:00` : time[3]!.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
      const instant = Date.parse(`${time[1]}T${time[2]}${zone}`);
      if (!Number.isNaN(instant)) return `t${instant}`;
    }
    return `s${value}`;
  }
  return `j${JSON.stringify(value)}`;
}

function canonicalDecimal(text: string): string {
  let [whole, fraction = ''] = text.replace(/^\+/, '').split('.');
  const negative = whole!.startsWith('-');
  whole = whole!.replace('-', '').replace(/^0+(?=\d)/, '');
  fraction = fraction.replace(/0+$/, '');
  const body = fraction ? `${whole}.${fraction}` : whole;
  return negative && body !== '0' ? `-${body}` : body;
}

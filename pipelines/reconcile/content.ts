/**
 * Content reconciliation, value by value: each target row cutover owns is compared with what the
 * source says it should hold now (the source row re-mapped exactly as a run maps it, references
 * resolved through the id map; for a merged cluster, the survivorship of its records as last
 * loaded). The source is read once, in its key order, a page at a time; the target is not read
 * row by row but checked by key ranges with checksums the target database computes, bisecting the
 * ranges that differ ({@link diffRanges}). Only the rows of differing ranges leave the target.
 * Target rows no key owns are counted too.
 */
import { sql, type Kysely } from 'kysely';
import type { SqlSink } from '../../connectors/types.js';
import { surviveCluster } from '../../transforms/dedupe/survivorship.js';
import type { EntityMapping } from '../../transforms/entity-mapping.js';
import { compileMapping, type CompiledMapping, type MappedRow } from '../../transforms/mapping-engine.js';
import { RunError } from '../errors.js';
import type { ProjectSession } from '../runner/project-session.js';
import { resolveReferences } from '../runner/resolve-references.js';
import { sourceEntityOf } from '../runner/run-entity.js';
import type { TargetColumn } from '../../connectors/sink.js';
import { canonicalSql, pgColumnKind as columnKind, rowDigestSql } from '../../connectors/sql/pg-canonical.js';
import { canonicalValue, rowDigest, rowText } from './canonical-value.js';
import { diffRanges, type ExpectedDigest, type TargetProbe } from './range-diff.js';

export interface ContentDifference {
  readonly key: string;
  /** The differing column; null when the whole row is missing or extra. */
  readonly field: string | null;
  readonly source: unknown;
  readonly target: unknown;
}

export interface EntityContent {
  readonly entity: string;
  /** False when the target cannot be compared (not a SQL database): nothing was compared. */
  readonly compared: boolean;
  /** Target rows checked against their expected values (by checksum or one by one). */
  readonly rowsCompared: number;
  /** Rows with at least one difference, rows missing in the target, and target rows no key owns. */
  readonly differingRows: number;
  /** The first differences found (at most `limit`). */
  readonly differences: readonly ContentDifference[];
  /** Rows read to know what the target should hold: source rows (or, for merged clusters, state records). */
  readonly expectedRowsRead?: number;
  /** Rows fetched from the target: digests of small differing ranges, then the differing rows themselves. */
  readonly targetRowsRead?: number;
  /** Checksum queries over key ranges. */
  readonly rangeChecksums?: number;
  readonly note?: string;
}

export interface ContentOptions {
  /** Differences listed at most (all are counted). @default 100 */
  readonly limit?: number;
  /** Keys per range checked with one checksum. @default 2000 */
  readonly pageSize?: number;
  /** Ranges this small are listed by row digest instead of halved. @default 32 */
  readonly leafSize?: number;
  readonly signal?: AbortSignal;
}

export async function reconcileContent(session: ProjectSession, mapping: EntityMapping, options: ContentOptions = {}): Promise<EntityContent> {
  const limit = options.limit ?? 100;
  const sink = session.sink;
  if (sink.kind !== 'sql') {
    return { entity: mapping.entity, compared: false, rowsCompared: 0, differingRows: 0, differences: [], note: `the target is an HTTP API (${sink.endpoint}); values were not compared, counts were` };
  }
  const compiled = compileMapping(mapping);
  const columns = await targetColumns(sink.db, mapping.target.table, compiled.columns, mapping.file);
  const probe = targetProbe(sink.db, mapping, columns);

  const differences: ContentDifference[] = [];
  let differingRows = 0;
  let rowsCompared = 0;
  let targetRowsRead = 0;
  let rangeChecksums = 0;
  const note = (difference: ContentDifference) => {
    if (differences.length < limit) differences.push(difference);
  };
  const pages = mapping.dedupe ? survivorPages(session, sink, mapping, options) : sourcePages(session, compiled, options);
  let expectedRowsRead = 0;
  for await (const page of pages) {
    expectedRowsRead += page.read;
    if (page.expected.size === 0) continue;
    rowsCompared += page.expected.size;
    const digests: ExpectedDigest[] = [];
    for (const [key, values] of page.expected) digests.push({ key, digest: rowDigest(rowText(columns.map((c) => canonicalValue(values[c.name], c.kind)))) });
    const found = await diffRanges(digests, probe, options.leafSize);
    rangeChecksums += found.checksums;
    targetRowsRead += found.rowsFetched;
    for (const key of found.missing) note({ key, field: null, source: 'row', target: null });
    differingRows += found.missing.length + found.differing.length;
    if (found.differing.length > 0 && differences.length < limit) {
      const actual = await probe.rows(found.differing);
      targetRowsRead += actual.size;
      for (const key of found.differing) {
        const want = page.expected.get(key)!;
        const have = actual.get(key);
        for (const column of columns) {
          if (have && canonicalValue(want[column.name], column.kind) === have.canonical[column.name]) continue;
          note({ key, field: column.name, source: want[column.name] ?? null, target: have?.text[column.name] ?? null });
        }
      }
    }
  }
  const extra = await extraTargetRows(session, sink, mapping, limit);
  for (const key of extra) note({ key, field: null, source: null, target: 'row' });
  differingRows += extra.length;
  return { entity: mapping.entity, compared: true, rowsCompared, differingRows, differences, expectedRowsRead, targetRowsRead, rangeChecksums };
}

/** One page of expected target rows: legacy key → mapped values, and how many rows were read for it. */
interface ExpectedPage {
  readonly expected: Map<string, Record<string, unknown>>;
  readonly read: number;
}

/**
 * The source in its own key order, re-mapped as a run maps it; kept are the keys the id map says
 * own a loaded target row (new, filtered and rejected rows are the count equation's business).
 */
async function* sourcePages(session: ProjectSession, compiled: CompiledMapping, options: ContentOptions): AsyncGenerator<ExpectedPage> {
  const mapping = compiled.mapping;
  const source = session.sourceFor(mapping);
  // A file may repeat a key; a run loads the first occurrence and rejects the others.
  const seen = source.capabilities.uniqueKeys ? null : new Set<string>();
  for await (const batch of source.read({ entity: sourceEntityOf(mapping), batchSize: options.pageSize ?? 2_000, signal: options.signal })) {
    const mapped: MappedRow[] = [];
    for (const row of batch.rows) {
      if (seen) {
        if (seen.has(row.key)) continue;
        seen.add(row.key);
      }
      if (compiled.isSoftDeleted(row) || compiled.filterReason(row) !== null) continue;
      const result = compiled.map(row);
      if (!('stage' in result)) mapped.push(result);
    }
    const known = await session.state.lookupKeys(mapping.entity, mapped.map((row) => row.key));
    const owned = mapped.filter((row) => {
      const state = known.get(row.key);
      return state?.status === 'loaded' && state.ownsRow;
    });
    const { resolved } = await resolveReferences(owned, compiled, session.state);
    yield { expected: new Map(resolved.map((row) => [row.key, row.values])), read: batch.rows.length };
  }
}

/** For a dedupe entity: each owned row's survivorship values over its cluster's records as last loaded. */
async function* survivorPages(session: ProjectSession, sink: SqlSink, mapping: EntityMapping, options: ContentOptions): AsyncGenerator<ExpectedPage> {
  const idMap = sql.table(`${session.state.schema}.id_map`);
  const db = sink.db;
  let after: string | null = null;
  for (;;) {
    options.signal?.throwIfAborted();
    const { rows: page } = await sql<{ legacy_key: string }>`SELECT legacy_key FROM ${idMap}
      WHERE entity = ${mapping.entity} AND status = 'loaded' AND owns_row AND (${after}::text IS NULL OR legacy_key > ${after})
      ORDER BY legacy_key LIMIT ${options.pageSize ?? 2_000}`.execute(db);
    if (page.length === 0) return;
    const anchors = page.map((row) => row.legacy_key);
    after = anchors[anchors.length - 1]!;
    const members = await session.state.dedupe.members(mapping.entity, anchors);
    const byAnchor = new Map<string, typeof members>();
    for (const member of members) byAnchor.set(member.anchorKey, [...(byAnchor.get(member.anchorKey) ?? []), member]);
    const expected = new Map<string, Record<string, unknown>>();
    for (const [anchor, records] of byAnchor) {
      const own = records.find((record) => record.key === anchor);
      if (!own) continue;
      const survived = surviveCluster(mapping.dedupe!, records);
      survived[mapping.target.key] = own.values[mapping.target.key];
      expected.set(anchor, survived);
    }
    yield { expected, read: members.length };
  }
}

/** The mapped columns of the target table with the kind their values compare as. */
async function targetColumns(db: Kysely<any>, qualifiedTable: string, mapped: readonly string[], file: string): Promise<TargetColumn[]> {
  const [schema, table] = qualifiedTable.includes('.') ? qualifiedTable.split('.', 2) : [null, qualifiedTable];
  const { rows } = await sql<{ column_name: string; data_type: string; udt_name: string }>`
    SELECT column_name, data_type, udt_name FROM information_schema.columns
     WHERE table_name = ${table} AND table_schema = coalesce(${schema}::text, current_schema())`.execute(db);
  const types = new Map(rows.map((row) => [row.column_name, row.data_type === 'USER-DEFINED' ? row.udt_name : row.data_type]));
  const missing = mapped.filter((column) => !types.has(column));
  if (missing.length > 0) {
    throw new RunError(`${file}: target table \`${qualifiedTable}\` has no column ${missing.map((c) => `\`${c}\``).join(', ')}`, {
      hint: 'the target changed since the mapping was written; fix one of them, then run again',
    });
  }
  return mapped.map((name) => ({ name, kind: columnKind(types.get(name)!) }));
}

interface TargetRow {
  readonly canonical: Record<string, string | null>;
  /** Each value as PostgreSQL prints it, for people. */
  readonly text: Record<string, string | null>;
}

function targetProbe(db: Kysely<any>, mapping: EntityMapping, columns: readonly TargetColumn[]): TargetProbe & { rows(keys: readonly string[]): Promise<Map<string, TargetRow>> } {
  const table = sql.table(mapping.target.table);
  const key = sql.ref(mapping.target.key);
  const digest = rowDigestSql(columns);
  return {
    async checksum(keys) {
      const { rows } = await sql<{ n: string; total: string | null }>`SELECT count(*)::text AS n, sum(${digest})::text AS total
        FROM ${table} WHERE ${key} = ANY(${[...keys]})`.execute(db);
      return { count: Number(rows[0]?.n ?? 0), sum: BigInt(rows[0]?.total ?? 0) };
    },
    async digests(keys) {
      const { rows } = await sql<{ k: string; d: string }>`SELECT ${key}::text AS k, (${digest})::text AS d
        FROM ${table} WHERE ${key} = ANY(${[...keys]})`.execute(db);
      return new Map(rows.map((row) => [row.k, BigInt(row.d)]));
    },
    async rows(keys) {
      const selections = columns.flatMap((column, index) => [
        sql`${canonicalSql(column)} AS ${sql.ref(`c${index}`)}`,
        sql`${sql.ref(column.name)}::text AS ${sql.ref(`t${index}`)}`,
      ]);
      const { rows } = await sql<Record<string, string | null>>`SELECT ${key}::text AS "$key", ${sql.join(selections)}
        FROM ${table} WHERE ${key} = ANY(${[...keys]})`.execute(db);
      const found = new Map<string, TargetRow>();
      for (const row of rows) {
        const canonical: Record<string, string | null> = {};
        const text: Record<string, string | null> = {};
        columns.forEach((column, index) => {
          canonical[column.name] = row[`c${index}`] ?? null;
          text[column.name] = row[`t${index}`] ?? null;
        });
        found.set(row.$key!, { canonical, text });
      }
      return found;
    },
  };
}

/** Target rows carrying a legacy key that no id-map entry owns: loaded outside cutover, or left behind. */
async function extraTargetRows(session: ProjectSession, sink: SqlSink, mapping: EntityMapping, limit: number): Promise<string[]> {
  const idMap = sql.table(`${session.state.schema}.id_map`);
  const targetKey = sql.ref(`t.${mapping.target.key}`);
  const { rows } = await sql<{ key: string }>`SELECT ${targetKey}::text AS key FROM ${sql.table(mapping.target.table)} t
    WHERE ${targetKey} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${idMap} m WHERE m.entity = ${mapping.entity} AND m.legacy_key = ${targetKey}::text AND m.owns_row)
    LIMIT ${limit}`.execute(sink.db);
  return rows.map((row) => row.key);
}

/**
 * The de-duplication state (dedupe-store.ts) in schema `cutover` of a PostgreSQL or PGlite
 * database: `dedupe_records`, `dedupe_values`, `match_keys`, `merges` and `review_pairs`.
 */
import { sql, type RawBuilder } from 'kysely';
import type { StateTransaction } from '../../connectors/sink.js';
import { PgStateTables } from './pg-state-tables.js';
import { isoTimestamp } from './iso-timestamp.js';
import {
  orderedPair,
  type CandidateLists,
  type DedupeChanges,
  type DedupeRecord,
  type DedupeStore,
  type MergeRecord,
  type PairWithValues,
  type ReviewDecision,
  type StoredRecord,
} from './dedupe-store.js';
import type { MatchProfile } from '../../transforms/dedupe/matcher.js';

type Append = NonNullable<StateTransaction['append']>;

export class PgDedupeStore extends PgStateTables implements DedupeStore {
  async records(entity: string, keys: readonly string[], tx?: StateTransaction): Promise<Map<string, DedupeRecord>> {
    const found = new Map<string, DedupeRecord>();
    if (keys.length === 0) return found;
    const { rows } = await sql<{ legacy_key: string; anchor_key: string; profile: MatchProfile; values: Record<string, unknown> }>`
      SELECT r.legacy_key, r.anchor_key, r.profile, v.values FROM ${this.table('dedupe_records')} r
        JOIN ${this.table('dedupe_values')} v ON v.entity = r.entity AND v.legacy_key = r.legacy_key
       WHERE r.entity = ${entity} AND r.legacy_key = ANY(${[...keys]}::text[])`.execute(tx?.db ?? this.db);
    for (const row of rows) found.set(row.legacy_key, { key: row.legacy_key, anchorKey: row.anchor_key, profile: row.profile, values: row.values });
    return found;
  }

  async members(entity: string, anchorKeys: readonly string[], tx?: StateTransaction): Promise<DedupeRecord[]> {
    if (anchorKeys.length === 0) return [];
    const { rows } = await sql<{ legacy_key: string; anchor_key: string; profile: MatchProfile; values: Record<string, unknown> }>`
      SELECT r.legacy_key, r.anchor_key, r.profile, v.values FROM ${this.table('dedupe_records')} r
        JOIN ${this.table('dedupe_values')} v ON v.entity = r.entity AND v.legacy_key = r.legacy_key
       WHERE r.entity = ${entity} AND r.anchor_key = ANY(${[...anchorKeys]}::text[])`.execute(tx?.db ?? this.db);
    return rows.map((row) => ({ key: row.legacy_key, anchorKey: row.anchor_key, profile: row.profile, values: row.values }));
  }

  async candidates(entity: string, matchKeys: readonly string[], limit: number, exclude: readonly string[] = []): Promise<CandidateLists> {
    const found: CandidateLists = new Map();
    if (matchKeys.length === 0) return found;
    // Keys over the limit are counted in the index alone (an index-only scan once vacuumed): only
    // the others read the records, which live at random places in a large heap.
    const { rows } = await sql<{ key: string; legacy_key: string | null; anchor_key: string; profile: MatchProfile }>`
      WITH k AS (
        SELECT q.key, k.legacy_key, count(*) OVER (PARTITION BY q.key) AS holders
          FROM unnest(${[...matchKeys]}::text[]) AS q(key)
          CROSS JOIN LATERAL (SELECT m.legacy_key FROM ${this.table('match_keys')} m
                               WHERE m.entity = ${entity} AND m.key = q.key AND m.legacy_key <> ALL(${[...exclude]}::text[]) LIMIT ${limit + 1}) AS k)
      SELECT k.key, r.legacy_key, r.anchor_key, r.profile
        FROM k JOIN ${this.table('dedupe_records')} r ON r.entity = ${entity} AND r.legacy_key = k.legacy_key
       WHERE k.holders <= ${limit}
      UNION ALL
      SELECT DISTINCT k.key, NULL, NULL, NULL::jsonb FROM k WHERE k.holders > ${limit}`.execute(this.db);
    for (const row of rows) {
      if (row.legacy_key === null) {
        found.set(row.key, null);
        continue;
      }
      const list = found.get(row.key) ?? [];
      list.push({ key: row.legacy_key, anchorKey: row.anchor_key, profile: row.profile });
      found.set(row.key, list);
    }
    return found;
  }

  async clusterSizes(entity: string, anchorKeys: readonly string[]): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    if (anchorKeys.length === 0) return sizes;
    const { rows } = await sql<{ anchor_key: string; n: number }>`SELECT anchor_key, count(*)::int AS n FROM ${this.table('dedupe_records')}
      WHERE entity = ${entity} AND anchor_key = ANY(${[...anchorKeys]}::text[]) GROUP BY anchor_key`.execute(this.db);
    for (const row of rows) sizes.set(row.anchor_key, row.n);
    return sizes;
  }

  async decisions(entity: string, keys: readonly string[]): Promise<Map<string, ReviewDecision>> {
    const found = new Map<string, ReviewDecision>();
    if (keys.length === 0) return found;
    const { rows } = await sql<{ key_a: string; key_b: string; decision: ReviewDecision }>`
      SELECT key_a, key_b, decision FROM ${this.table('review_pairs')}
       WHERE entity = ${entity} AND decision IS NOT NULL AND (key_a = ANY(${[...keys]}::text[]) OR key_b = ANY(${[...keys]}::text[]))`.execute(this.db);
    for (const row of rows) found.set(`${row.key_a}\u001f${row.key_b}`, row.decision);
    return found;
  }

  async commit(tx: StateTransaction, runId: number, entity: string, delta: DedupeChanges): Promise<void> {
    const append = tx.append;
    const db = tx.db;
    const records = append ? delta.records.filter((record) => !record.fresh) : delta.records;
    if (append) await this.#append(append, runId, entity, delta.records.filter((record) => record.fresh));
    if (records.length > 0) {
      const keys = records.map((r) => r.key);
      await sql`INSERT INTO ${this.table('dedupe_records')} (entity, legacy_key, anchor_key, profile, run_id)
        SELECT ${entity}, k, a, p::jsonb, ${runId}
          FROM unnest(${keys}::text[], ${records.map((r) => r.anchorKey)}::text[], ${records.map((r) => JSON.stringify(r.profile))}::text[]) AS u(k, a, p)
        ON CONFLICT (entity, legacy_key) DO UPDATE SET anchor_key = excluded.anchor_key, profile = excluded.profile, run_id = excluded.run_id`.execute(db);
      await sql`INSERT INTO ${this.table('dedupe_values')} (entity, legacy_key, values)
        SELECT ${entity}, k, v::jsonb FROM unnest(${keys}::text[], ${records.map((r) => JSON.stringify(r.values))}::text[]) AS u(k, v)
        ON CONFLICT (entity, legacy_key) DO UPDATE SET values = excluded.values`.execute(db);
      await sql`DELETE FROM ${this.table('match_keys')} WHERE entity = ${entity} AND legacy_key = ANY(${keys}::text[])`.execute(db);
      const pairs = records.flatMap((r) => r.matchKeys.map((key) => [key, r.key] as const));
      if (pairs.length > 0) {
        await sql`INSERT INTO ${this.table('match_keys')} (entity, key, legacy_key)
          SELECT ${entity}, k, l FROM unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::text[]) AS u(k, l) ON CONFLICT DO NOTHING`.execute(db);
      }
    }
    if (delta.unmerged.length > 0) {
      await sql`DELETE FROM ${this.table('merges')} WHERE entity = ${entity} AND legacy_key = ANY(${[...delta.unmerged]}::text[])`.execute(db);
    }
    if (delta.merges.length > 0) {
      const m = delta.merges;
      await sql`INSERT INTO ${this.table('merges')} (entity, legacy_key, anchor_key, rule, score, run_id)
        SELECT ${entity}, k, a, r, s, ${runId} FROM unnest(${m.map((x) => x.key)}::text[], ${m.map((x) => x.anchorKey)}::text[], ${m.map((x) => x.rule)}::text[], ${m.map((x) => x.score)}::float8[]) AS u(k, a, r, s)
        ON CONFLICT (entity, legacy_key) DO UPDATE SET anchor_key = excluded.anchor_key, rule = excluded.rule, score = excluded.score, run_id = excluded.run_id, merged_at = now()`.execute(db);
    }
    if (delta.reviews.length > 0) {
      const r = delta.reviews.map((pair) => ({ ...pair, ordered: orderedPair(pair.a, pair.b) }));
      await sql`INSERT INTO ${this.table('review_pairs')} (entity, key_a, key_b, rule, score, run_id)
        SELECT ${entity}, a, b, r, s, ${runId} FROM unnest(${r.map((x) => x.ordered[0])}::text[], ${r.map((x) => x.ordered[1])}::text[], ${r.map((x) => x.rule)}::text[], ${r.map((x) => x.score)}::float8[]) AS u(a, b, r, s)
        ON CONFLICT (entity, key_a, key_b) DO NOTHING`.execute(db);
    }
  }

  async #append(append: Append, runId: number, entity: string, records: readonly StoredRecord[]): Promise<void> {
    if (records.length === 0) return;
    await append(this.stateSchema, 'dedupe_records', records.map((r) => ({ entity, legacy_key: r.key, anchor_key: r.anchorKey, profile: r.profile, run_id: runId })));
    await append(this.stateSchema, 'dedupe_values', records.map((r) => ({ entity, legacy_key: r.key, values: r.values })));
    // A key repeated within a record's own list is stored once, as ON CONFLICT DO NOTHING does.
    await append(this.stateSchema, 'match_keys', records.flatMap((r) => [...new Set(r.matchKeys)].map((key) => ({ entity, key, legacy_key: r.key }))));
  }

  async recordDecision(tx: StateTransaction, entity: string, a: string, b: string, decision: ReviewDecision, rule = 'decided by review', score = 0): Promise<void> {
    const [first, second] = orderedPair(a, b);
    await sql`INSERT INTO ${this.table('review_pairs')} (entity, key_a, key_b, rule, score, run_id, decision, decided_at)
      VALUES (${entity}, ${first}, ${second}, ${rule}, ${score}, 0, ${decision}, now())
      ON CONFLICT (entity, key_a, key_b) DO UPDATE SET decision = excluded.decision, decided_at = now()`.execute(tx.db);
  }

  /**
   * Pairs still waiting for a decision, with both records' values, a page at a time (best scores
   * first): at a million customers they do not fit in memory at once.
   */
  openReviewPages(entity: string, pageSize = 1_000): AsyncGenerator<PairWithValues[]> {
    return keysetPages((after) =>
      this.#withValues(
        sql`SELECT key_a AS a, key_b AS b, rule, score, entity FROM ${this.table('review_pairs')}
             WHERE entity = ${entity} AND decision IS NULL
               AND (${after === null} OR score < ${after?.score ?? 0} OR (score = ${after?.score ?? 0} AND (key_a, key_b) > (${after?.a ?? ''}, ${after?.b ?? ''})))
             ORDER BY score DESC, key_a, key_b LIMIT ${pageSize}`,
        sql`p.score DESC, p.a, p.b`,
      ),
    );
  }

  /** Every merge as a pair (survivor, merged record) with both records' values, a page at a time, for the review file. */
  mergedPairPages(entity: string, pageSize = 1_000): AsyncGenerator<PairWithValues[]> {
    return keysetPages((after) =>
      this.#withValues(
        sql`SELECT anchor_key AS a, legacy_key AS b, rule, score, entity FROM ${this.table('merges')}
             WHERE entity = ${entity}
               AND (${after === null} OR (score, anchor_key, legacy_key) > (${after?.score ?? 0}, ${after?.a ?? ''}, ${after?.b ?? ''}))
             ORDER BY score, anchor_key, legacy_key LIMIT ${pageSize}`,
        sql`p.score, p.a, p.b`,
      ),
    );
  }

  /**
   * One page of pairs (`a`, `b`, `rule`, `score`, `entity`), each joined to both records' values,
   * in `order`. The page is chosen first and only its pairs join their values: a plan that joined
   * before sorting read the values of every pair after the cursor, for every page.
   */
  #withValues(page: RawBuilder<unknown>, order: RawBuilder<unknown>): Promise<{ rows: PairRow[] }> {
    return sql<PairRow>`
      SELECT p.a, p.b, p.rule, p.score, ra.values AS va, rb.values AS vb FROM (${page}) p
        LEFT JOIN ${this.table('dedupe_values')} ra ON ra.entity = p.entity AND ra.legacy_key = p.a
        LEFT JOIN ${this.table('dedupe_values')} rb ON rb.entity = p.entity AND rb.legacy_key = p.b
       ORDER BY ${order}`.execute(this.db);
  }

  async merges(entity?: string): Promise<(MergeRecord & { entity: string; runId: number; mergedAt: string })[]> {
    const { rows } = await sql<{ entity: string; legacy_key: string; anchor_key: string; rule: string; score: number; run_id: string; merged_at: string }>`
      SELECT entity, legacy_key, anchor_key, rule, score, run_id::text, merged_at::text FROM ${this.table('merges')}
       WHERE (${entity ?? null}::text IS NULL OR entity = ${entity ?? null}) ORDER BY entity, anchor_key, legacy_key`.execute(this.db);
    return rows.map((row) => ({ entity: row.entity, key: row.legacy_key, anchorKey: row.anchor_key, rule: row.rule, score: row.score, runId: Number(row.run_id), mergedAt: isoTimestamp(row.merged_at) }));
  }
}

interface PairRow {
  a: string;
  b: string;
  rule: string;
  score: number;
  va: Record<string, unknown> | null;
  vb: Record<string, unknown> | null;
}

/** Pages of pairs in the query's (score, a, b) order: each query starts after the last pair of the one before. */
async function* keysetPages(fetch: (after: PairRow | null) => Promise<{ rows: PairRow[] }>): AsyncGenerator<PairWithValues[]> {
  let after: PairRow | null = null;
  for (;;) {
    const { rows }: { rows: PairRow[] } = await fetch(after);
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!;
    yield rows.map(pairWithValues);
  }
}

function pairWithValues(row: PairRow): PairWithValues {
  return { a: row.a, b: row.b, rule: row.rule, score: row.score, decision: null, valuesA: row.va ?? {}, valuesB: row.vb ?? {} };
}

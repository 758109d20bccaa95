/**
 * The de-duplication state at scale: the review file is written page by page (a million customers
 * have tens of thousands of merges), every pair exactly once and in order, ties on the score
 * included; and a state made before the values moved to their own table upgrades without loss.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { parseConnectionUrl } from '../../connectors/connection-url.js';
import { pgliteConnector } from '../../connectors/pglite/pglite-connector.js';
import { openStateStore } from '../../pipelines/state/pg-state-store.js';
import { migrateState } from '../../pipelines/state/state-migrations.js';

/** An in-memory PGlite state database. */
function memoryState() {
  return pgliteConnector.createStateDatabase!(pgliteConnector.parseConfig(parseConnectionUrl('pglite://memory'), { baseDir: '.' }));
}

it('pages open reviews (best score first) and merges (lowest first) without losing or repeating a pair', async () => {
  const database = await memoryState();
  const db = database.db;
  try {
    const state = openStateStore(database, 'cutover');
    await state.migrate();
    const scores = [0.91, 0.93, 0.93, 0.93, 0.95, 0.95, 0.9, 0.93, 0.91, 0.97, 0.93];
    for (const [index, score] of scores.entries()) {
      const a = `k${index % 3}`;
      const b = `m${index}`;
      await sql`INSERT INTO cutover.review_pairs (entity, key_a, key_b, rule, score, run_id) VALUES ('customers', ${a}, ${b}, 'name', ${score}, 1)`.execute(db);
      await sql`INSERT INTO cutover.merges (entity, legacy_key, anchor_key, rule, score, run_id) VALUES ('customers', ${b}, ${a}, 'e-mail', ${score}, 1)`.execute(db);
    }
    await sql`INSERT INTO cutover.review_pairs (entity, key_a, key_b, rule, score, run_id, decision) VALUES ('customers', 'x', 'y', 'name', 0.99, 1, 'merge')`.execute(db);

    const reviews: string[] = [];
    for await (const page of state.dedupe.openReviewPages('customers', 3)) {
      expect(page.length).toBeLessThanOrEqual(3);
      reviews.push(...page.map((pair) => `${pair.score} ${pair.a} ${pair.b}`));
    }
    const expected = scores.map((score, index) => ({ score, a: `k${index % 3}`, b: `m${index}` }));
    const byScoreDesc = [...expected].sort((x, y) => y.score - x.score || x.a.localeCompare(y.a) || x.b.localeCompare(y.b));
    expect(reviews).toEqual(byScoreDesc.map((p) => `${p.score} ${p.a} ${p.b}`));

    const merges: string[] = [];
    for await (const page of state.dedupe.mergedPairPages('customers', 4)) merges.push(...page.map((pair) => `${pair.score} ${pair.a} ${pair.b}`));
    const byScoreAsc = [...expected].sort((x, y) => x.score - y.score || x.a.localeCompare(y.a) || x.b.localeCompare(y.b));
    expect(merges).toEqual(byScoreAsc.map((p) => `${p.score} ${p.a} ${p.b}`));
  } finally {
    await database.close();
  }
});

it('moves the dedupe values of a state made before 0005 into their own table, none lost', async () => {
  const database = await memoryState();
  const db = database.db;
  try {
    await migrateState(db, 'cutover', '0004_dedupe');
    await sql`INSERT INTO cutover.dedupe_records (entity, legacy_key, anchor_key, profile, values, run_id)
      VALUES ('customers', '1', '1', '{"values":{}}', '{"name":"上海晨源"}', 1), ('customers', '2', '1', '{"values":{}}', '{"name":"Shanghai Chenyuan"}', 1)`.execute(db);
    const state = openStateStore(database, 'cutover');
    await state.migrate();
    const members = await state.dedupe.members('customers', ['1']);
    expect(members.map((m) => [m.key, m.anchorKey, m.values]).sort()).toEqual([
      ['1', '1', { name: '上海晨源' }],
      ['2', '1', { name: 'Shanghai Chenyuan' }],
    ]);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = 'cutover' AND table_name = 'dedupe_records' AND column_name = 'values'`.execute(db);
    expect(rows[0]!.n).toBe(0);
  } finally {
    await database.close();
  }
});

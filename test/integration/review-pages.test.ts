/**
 * The review file is written page by page (a million customers have tens of thousands of merges):
 * every pair comes out exactly once and in order, ties on the score included.
 */
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { expect, it } from 'vitest';
import { PgliteDialect } from '../../connectors/pglite/pglite-dialect.js';
import { StateStore } from '../../pipelines/state/state-store.js';

it('pages open reviews (best score first) and merges (lowest first) without losing or repeating a pair', async () => {
  const db = new Kysely<any>({ dialect: new PgliteDialect(new PGlite()) });
  try {
    const state = new StateStore(db, 'cutover');
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
    await db.destroy();
  }
});

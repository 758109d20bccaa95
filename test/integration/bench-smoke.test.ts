/**
 * `npm run bench` as a smoke test: a small run (20,000 rows per entity, of which 5,000 generated
 * and the rest copied in SQL, so that the replication runs too) completes and accounts for every
 * row. It asserts no time: speed is tracked in BENCHMARKS.md, not in CI.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runScript } from '../support/cli.js';
import { describeWith } from '../support/databases.js';
import { MYSQL_ADMIN_URL, POSTGRES_ADMIN_URL } from '../support/services.js';

const ROWS = 20_000;

describeWith(['mysql', 'postgres'])('npm run bench (smoke)', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('migrates N rows per entity and accounts for every row', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cutover-bench-smoke-'));
    const out = path.join(dir, 'bench.json');
    const { code, stdout, stderr } = await runScript('bench.js', ['--rows', String(ROWS), '--generated', '5000', '--no-pgloader', '--mysql', MYSQL_ADMIN_URL, '--postgres', POSTGRES_ADMIN_URL, '--out', out]);
    expect(stderr).not.toMatch(/^bench:/m);
    expect(code).toBe(0);
    expect(stdout).toMatch(/unaccounted rows: 0;/);
    expect(stdout).toContain("The target's own ceiling");
    const results = JSON.parse(await readFile(out, 'utf8'));
    expect(results.cutover.unaccounted).toBe(0);
    expect(results.cutover.total.rows).toBe(3 * ROWS);
    for (const entity of ['customers', 'opportunities', 'tickets']) {
      expect(results.raw[entity].rows).toBe(ROWS);
      const { ledger } = results.cutover.entities[entity];
      expect(ledger.read).toBe(ROWS);
      // The copies keep the sample's defects: some rows are rejected in every entity, and only customers merge.
      expect(ledger.rejected).toBeGreaterThan(0);
      expect(ledger.inserted).toBeGreaterThan(ROWS * 0.5);
      // The target's own ceiling copies what cutover loaded, twice, into tables shaped like the target's.
      const ceiling = results.targetCeiling[entity];
      expect(ceiling.asDefined.rows).toBeGreaterThan(ROWS * 0.5);
      expect(ceiling.asDefined.rows).toBeLessThanOrEqual(ledger.inserted);
      expect(ceiling.keysAfter.rows).toBe(ceiling.asDefined.rows);
      expect(ceiling.asDefined.rowsPerSecond).toBeGreaterThan(0);
    }
    expect(results.cutover.entities.customers.ledger.merged).toBeGreaterThan(0);
  }, 180_000);
});

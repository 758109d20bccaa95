/**
 * `npm run bench:incremental` as a smoke test: a small source (10,000 rows per entity, 5,000
 * generated and the rest copied in SQL) is migrated in full, 1 % of every table changes, and the
 * incremental run reads and updates those rows and no others. It asserts no time.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runScript } from '../support/cli.js';
import { describeWith } from '../support/databases.js';
import { MYSQL_ADMIN_URL, POSTGRES_ADMIN_URL } from '../support/services.js';

const ROWS = 10_000;

describeWith(['mysql', 'postgres'])('npm run bench:incremental (smoke)', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('re-reads only the changed rows and accounts for every row after both runs', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cutover-bench-inc-smoke-'));
    const out = path.join(dir, 'incremental.json');
    const { code, stdout, stderr } = await runScript('bench-incremental.js', ['--rows', String(ROWS), '--generated', '5000', '--mysql', MYSQL_ADMIN_URL, '--postgres', POSTGRES_ADMIN_URL, '--out', out]);
    expect(stderr).not.toMatch(/^bench:incremental:/m);
    expect(code).toBe(0);
    expect(stdout).toMatch(/after the full run: 0, after the incremental run: 0/);
    const results = JSON.parse(await readFile(out, 'utf8'));
    for (const entity of ['customers', 'opportunities', 'tickets']) {
      const changed = results.changed[entity];
      expect(changed).toBe(ROWS / 100);
      expect(results.full.entities[entity].ledger.read).toBe(ROWS);
      const { ledger } = results.incremental.entities[entity];
      // The watermark's lookback re-reads the last rows the full run committed, nothing more.
      expect(ledger.read).toBeGreaterThanOrEqual(changed);
      expect(ledger.read).toBeLessThan(changed + 50);
      expect(ledger.inserted).toBe(0);
      // Changed rows that the full run rejected or filtered are rejected or filtered again.
      expect(ledger.updated).toBeGreaterThan(changed * 0.8);
    }
    expect(results.ratio).toBeLessThan(1);
  }, 240_000);
});

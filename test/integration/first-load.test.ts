/**
 * The first load of an entity skips the state lookups of keys it has not written yet (key filters
 * instead of queries). A row updated in the legacy CRM while that load runs comes round again,
 * later in cursor order: the run must recognise it as one it has already written, exactly as a
 * run over a non-empty state does. Renamed records whose e-mail and phones are cleared match
 * nobody any more, so a run that took them for new records would split them out of their cluster.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { describeWith } from '../support/databases.js';
import { createMigrationSetup, type MigrationSetup } from '../support/migration-setup.js';

describeWith(['mysql', 'postgres'])('first load while the legacy CRM changes', () => {
  let setup: MigrationSetup;
  const target = (text: string, values: unknown[] = []) => setup.target(text, values);

  beforeAll(async () => {
    setup = await createMigrationSetup('cutover_first_load', { customers: 20_000, opportunities: 1_000, tickets: 1_000 });
  });
  afterAll(async () => {
    await setup?.remove();
  });

  it('recognises rows read again during the first load, in the id map and in their clusters', async () => {
    const running = startCli(['run', '-p', setup.projectDir, '--quiet'], { env: setup.env() });
    for (;;) {
      const progress = await target("SELECT read::int AS read FROM cutover.run_ledger WHERE entity = 'customers'").catch(() => []);
      if (progress.length > 0 && Number(progress[0]!.read) >= 8_000) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Already written by the running load: some merged into another record's row, some with a row of their own.
    const merged = await target("SELECT m.legacy_key, m.anchor_key FROM cutover.merges m WHERE m.entity = 'customers' ORDER BY m.legacy_key::int LIMIT 40");
    // Rows of their own that no other record shares (a cluster's row takes its most recent member's name).
    const loaded = (
      await target(`SELECT legacy_key FROM cutover.id_map i WHERE entity = 'customers' AND status = 'loaded' AND owns_row
                      AND NOT EXISTS (SELECT 1 FROM cutover.merges m WHERE m.entity = i.entity AND m.anchor_key = i.legacy_key) ORDER BY legacy_key::int LIMIT 40`)
    ).map((r) => Number(r.legacy_key));
    expect(merged.length).toBeGreaterThan(10);
    expect(loaded).toHaveLength(40);
    const source = await mysql.createConnection(setup.legacy.url);
    try {
      const renamed = [...merged.map((r) => Number(r.legacy_key)), ...loaded];
      await source.query("UPDATE customers SET name = CONCAT('Renamed during the first load #', id), email = NULL, phone = NULL, mobile = NULL, updated_at = NOW() WHERE id IN (?)", [renamed]);
      const end = await running.exited;
      expect(end.code, end.stderr).toBe(0);

      const log = await readFile(path.join(setup.projectDir, '.cutover', 'cutover.log'), 'utf8');
      expect(log).toContain('first load');

      // Still merged, into the same record: a record already written keeps its cluster.
      const after = new Map((await target("SELECT legacy_key, anchor_key FROM cutover.merges WHERE entity = 'customers'")).map((r) => [String(r.legacy_key), String(r.anchor_key)]));
      expect(merged.filter((r) => after.get(String(r.legacy_key)) !== String(r.anchor_key))).toEqual([]);
      const status = await target("SELECT status, count(*)::int AS n FROM cutover.id_map WHERE entity = 'customers' AND legacy_key = ANY($1::text[]) GROUP BY status ORDER BY status", [
        merged.map((r) => String(r.legacy_key)),
      ]);
      expect(status).toEqual([{ status: 'merged', n: merged.length }]);

      // Records with a row of their own: updated in place, once.
      const names = await target('SELECT legacy_id, name FROM public.customers WHERE legacy_id = ANY($1::text[])', [loaded.map(String)]);
      expect(names.filter((r) => r.name !== `Renamed during the first load #${String(r.legacy_id)}`)).toEqual([]);
      expect(names).toHaveLength(loaded.length);
      const [duplicates] = await target('SELECT count(*) - count(DISTINCT legacy_id) AS n FROM public.customers');
      expect(Number(duplicates!.n)).toBe(0);
      const [ledger] = await target("SELECT read::int, inserted::int, updated::int FROM cutover.run_ledger WHERE entity = 'customers'");
      expect(ledger!.read).toBe(20_000 + renamed.length);
      expect(ledger!.updated).toBeGreaterThanOrEqual(loaded.length);

      const reconcile = await runCli(['reconcile', '-p', setup.projectDir], { env: setup.env() });
      expect(reconcile.code, reconcile.stdout).toBe(0);
    } finally {
      await source.end();
    }
  });
});

/**
 * The sync as it is used during the cutover weeks: the legacy CRM keeps changing, also while a
 * run is in progress, and the next runs converge to it. Updated rows move past the watermark and
 * are picked up; new rows arrive; nothing already loaded is lost or duplicated.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { describeWith } from '../support/databases.js';
import { createMigrationSetup, type MigrationSetup } from '../support/migration-setup.js';

describeWith(['mysql', 'postgres'])('incremental sync while the legacy CRM changes', () => {
  let setup: MigrationSetup;
  const env = () => setup.env();
  const target = (text: string, values: unknown[] = []) => setup.target(text, values);

  beforeAll(async () => {
    setup = await createMigrationSetup('cutover_sync', { customers: 30_000, opportunities: 2_000, tickets: 2_000 });
    // This test follows each source row to its own target row: without the example's de-duplication,
    // whose merges (copies made here included) would fold rows together.
    const mapping = path.join(setup.projectDir, 'customers.yaml');
    const text = await readFile(mapping, 'utf8');
    await writeFile(mapping, text.slice(0, text.indexOf('\ndedupe:')));
  });
  afterAll(async () => {
    await setup?.remove();
  });

  it('converges to the source after changes made between and during runs', async () => {
    const first = await runCli(['run', '-p', setup.projectDir, '--quiet'], { env: env() });
    expect(first.code, first.stderr).toBe(0);
    const loaded = (await target('SELECT legacy_id FROM public.customers ORDER BY legacy_id::int')).map((r) => Number(r.legacy_id));
    const source = await mysql.createConnection(setup.legacy.url);
    try {
      const columns = ((await source.query("SELECT column_name AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'customers' AND column_name NOT IN ('id', 'customer_no', 'name', 'updated_at') ORDER BY ordinal_position"))[0] as { name: string }[]).map((c) => `\`${c.name}\``);
      const rename = (ids: number[], label: string) =>
        source.query(`UPDATE customers SET name = CONCAT(?, id), updated_at = NOW() WHERE id IN (?)`, [label, ids]);
      const copy = (fromId: number, newId: number) =>
        source.query(`INSERT INTO customers (id, customer_no, name, updated_at, ${columns.join(', ')}) SELECT ?, CONCAT('NEW', ?), CONCAT('New customer ', ?), NOW(), ${columns.join(', ')} FROM customers WHERE id = ?`, [newId, newId, newId, fromId]);

      // Between runs: 300 renamed, 20 new.
      const between = loaded.filter((_, i) => i % 97 === 0).slice(0, 300);
      await rename(between, 'Renamed between runs #');
      for (let i = 0; i < 20; i++) await copy(loaded[i]!, 1_000_000 + i);

      // During a run: rows the run has already passed, and rows it has not reached yet, change while it reads.
      const before = Number((await target('SELECT coalesce(max(run_id), 0)::int AS id FROM cutover.runs'))[0]!.id);
      const running = startCli(['run', '-p', setup.projectDir, '--quiet', '--full'], { env: env() });
      for (;;) {
        const progress = await target('SELECT read::int AS read FROM cutover.run_ledger WHERE entity = $1 AND run_id > $2', ['customers', before]).catch(() => []);
        if (progress.length > 0 && Number(progress[0]!.read) >= 10_000) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const during = loaded.filter((_, i) => i % 89 === 1).slice(0, 300);
      await rename(during, 'Renamed during a run #');
      for (let i = 0; i < 20; i++) await copy(loaded[100 + i]!, 2_000_000 + i);
      const end = await running.exited;
      expect(end.code, end.stderr).toBe(0);

      const last = await runCli(['run', '-p', setup.projectDir, '--quiet'], { env: env() });
      expect(last.code, last.stderr).toBe(0);

      const names = new Map((await target('SELECT legacy_id, name FROM public.customers')).map((r) => [String(r.legacy_id), String(r.name)]));
      const touched = new Set([...between, ...during, ...Array.from({ length: 20 }, (_, i) => 1_000_000 + i), ...Array.from({ length: 20 }, (_, i) => 2_000_000 + i)]);
      const expected = (await source.query('SELECT id, name FROM customers WHERE id IN (?)', [[...touched]]))[0] as { id: number; name: string }[];
      expect(expected).toHaveLength(touched.size);
      const differing = expected.filter((row) => names.get(String(row.id)) !== row.name).map((row) => ({ id: row.id, source: row.name, target: names.get(String(row.id)) ?? null }));
      expect(differing).toEqual([]);
      const [duplicates] = await target('SELECT count(*) - count(DISTINCT legacy_id) AS n FROM public.customers');
      expect(Number(duplicates!.n)).toBe(0);
      const reconcile = await runCli(['reconcile', '-p', setup.projectDir], { env: env() });
      expect(reconcile.code, reconcile.stdout).toBe(0);
    } finally {
      await source.end();
    }
  });
});

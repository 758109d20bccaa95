/**
 * `cutover plan` says what the next run will do, per entity, and writes nothing: not on a fresh
 * target (no schema, no table is created) and not on a target with state; its figures equal the
 * ledger of the run that follows, deletions included.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ProjectPlan } from '../../pipelines/runner/plan-project.js';
import { runCli } from '../support/cli.js';
import { describeWith } from '../support/databases.js';
import { createMigrationSetup, type MigrationSetup } from '../support/migration-setup.js';

describeWith(['mysql', 'postgres'])('cutover plan', () => {
  let setup: MigrationSetup;
  const cli = (...args: string[]) => runCli([...args, '-p', setup.projectDir], { env: setup.env() });

  beforeAll(async () => {
    setup = await createMigrationSetup('cutover_plan', { customers: 3_000, opportunities: 4_000, tickets: 4_000 });
  });
  afterAll(async () => {
    await setup?.remove();
  });

  async function plan(...args: string[]): Promise<ProjectPlan> {
    const result = await cli('plan', '--format', 'json', '--quiet', ...args);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as ProjectPlan;
  }

  /** Every table of the target, schema-qualified, with a digest of its rows. */
  async function snapshot(): Promise<Record<string, string>> {
    const tables = await setup.target("SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1");
    const digests: Record<string, string> = {};
    for (const { name } of tables) {
      const [row] = await setup.target(`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM ${String(name)} t`);
      digests[String(name)] = String(row!.digest);
    }
    return digests;
  }

  /** The ledger of the last run, in the plan's terms. */
  async function lastRun(): Promise<Record<string, Record<string, number>>> {
    const rows = await setup.target(`SELECT entity, read::int, inserted::int AS insert, updated::int AS update, unchanged::int, merged::int AS merge,
        rejected::int AS reject, filtered::int AS filter, deleted::int AS delete, source_deleted::int AS "goneFromSource"
      FROM cutover.run_ledger WHERE run_id = (SELECT max(run_id) FROM cutover.runs) ORDER BY entity`);
    return Object.fromEntries(rows.map(({ entity, ...counts }) => [String(entity), counts as Record<string, number>]));
  }
  const planned = (result: ProjectPlan) => Object.fromEntries(result.entities.map(({ entity, drift: _drift, ...counts }) => [entity, counts]));

  it('predicts the first run on an empty target, creating nothing', async () => {
    const first = await plan();
    expect(first.stateExists).toBe(false);
    expect(await snapshot()).toEqual({});
    expect(first.entities.map((e) => e.read)).toEqual([3_000, 4_000, 4_000]);
    // Children resolve against the customers the plan would load, as the run will.
    expect(first.entities[1]!.insert).toBeGreaterThan(3_000);

    const terminal = await cli('plan');
    expect(terminal.code, terminal.stderr).toBe(0);
    expect(terminal.stdout).toMatch(/no run on this target yet, every row is new\): nothing was written\./);
    expect(terminal.stdout).toMatch(/^customers +3,000 +[\d,]+ +0 +0 +[\d,]+ /m);

    const run = await cli('run', '--quiet');
    expect(run.code, run.stderr).toBe(0);
    expect(await lastRun()).toEqual(planned(first));
  });

  it('predicts an incremental run with changes and deletions, writing nothing', async () => {
    const source = await mysql.createConnection(setup.legacy.url);
    try {
      const [customers] = (await source.query('SELECT id FROM customers WHERE deleted = 0 ORDER BY id')) as unknown as [{ id: number }[]];
      const ids = customers.map((c) => c.id);
      await source.query("UPDATE customers SET name = CONCAT('Renamed ', id), updated_at = NOW() WHERE id IN (?)", [ids.filter((_, i) => i % 41 === 0)]);
      await source.query('UPDATE customers SET deleted = 1, updated_at = NOW() WHERE id IN (?)', [ids.filter((_, i) => i % 53 === 7)]);
      await source.query('DELETE FROM opportunities WHERE id IN (?)', [[3, 30, 300, 3000, 1234]]);
      await source.query('DELETE FROM tickets WHERE id BETWEEN 100 AND 140');
    } finally {
      await source.end();
    }
    const before = await snapshot();
    const next = await plan('--detect-deletes');
    expect(await snapshot()).toEqual(before);
    expect(next.stateExists).toBe(true);
    expect(next.entities[0]!.update).toBeGreaterThan(0);
    expect(next.entities[0]!.delete).toBeGreaterThan(0);
    expect(next.entities[2]!.goneFromSource).toBeGreaterThan(0);

    const run = await cli('run', '--detect-deletes', '--quiet');
    expect(run.code, run.stderr).toBe(0);
    expect(await lastRun()).toEqual(planned(next));
  });
});

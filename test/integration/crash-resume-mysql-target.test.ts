/**
 * Crash resume into a MariaDB target, whose state lives beside it (here in PostgreSQL, so that the
 * test can watch the ledger): 200,000 legacy rows, the CLI killed with SIGKILL at five moments
 * across the entities (one before the first batch), re-run each time. Rows and state commit apart,
 * so a kill between them leaves rows the state does not know yet: the next run sends them again,
 * and the target must still end identical, row for row and value for value, to an uninterrupted
 * run, with the same rejects, merges and id map, and reconcile (values included) exits 0.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { seedLegacyMysql } from '../../scripts/seed-legacy-mysql.js';
import { copyBundledProject, runCli, startCli } from '../support/cli.js';
import { createMysqlDatabase, createPostgresDatabase, describeWith, queryPostgres as query, type TestDatabase } from '../support/databases.js';
import { afterMs, closeProbes, killAt, ledgerReaches } from '../support/kill-points.js';

const ROWS = { customers: 50_000, opportunities: 75_000, tickets: 75_000 };

/** Where each kill happens: while this entity runs, once this many of its rows are read (null: 300 ms after start). */
const KILLS: readonly { entity: string | null; afterRows: number }[] = [
  { entity: null, afterRows: 0 },
  { entity: 'customers', afterRows: 17_000 },
  { entity: 'opportunities', afterRows: 9_000 },
  { entity: 'opportunities', afterRows: 61_000 },
  { entity: 'tickets', afterRows: 33_000 },
];

interface Target {
  readonly rows: TestDatabase;
  readonly state: TestDatabase;
}

describeWith(['mysql', 'postgres'])('SIGKILL at five moments into a MariaDB target, then resume', () => {
  let legacy: TestDatabase;
  let reference: Target;
  let crashed: Target;
  let project: Awaited<ReturnType<typeof copyBundledProject>>;

  beforeAll(async () => {
    let referenceRows: TestDatabase, referenceState: TestDatabase, crashedRows: TestDatabase, crashedState: TestDatabase;
    [legacy, referenceRows, referenceState, crashedRows, crashedState, project] = await Promise.all([
      createMysqlDatabase('cutover_mycrash_legacy'),
      createMysqlDatabase('cutover_mycrash_reference'),
      createPostgresDatabase('cutover_mycrash_reference_state'),
      createMysqlDatabase('cutover_mycrash_killed'),
      createPostgresDatabase('cutover_mycrash_killed_state'),
      copyBundledProject('example-mysql'),
    ]);
    reference = { rows: referenceRows, state: referenceState };
    crashed = { rows: crashedRows, state: crashedState };
    await seedLegacyMysql(legacy.url, ROWS);
  });
  afterAll(async () => {
    await closeProbes();
    await Promise.all([legacy?.drop(), reference?.rows.drop(), reference?.state.drop(), crashed?.rows.drop(), crashed?.state.drop(), project?.remove()]);
  });

  it('ends with the same target and state as an uninterrupted run, and reconciles with values', { timeout: 900_000 }, async () => {
    const env = (target: Target) => ({ LEGACY_URL: legacy.url, NEWCRM_URL: target.rows.url, STATE_URL: target.state.url });
    const uninterrupted = await runCli(['run', '-p', project.dir, '--quiet'], { env: env(reference) });
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);

    let landed = 0;
    for (const kill of KILLS) {
      const run = startCli(['run', '-p', project.dir, '--quiet'], { env: env(crashed) });
      const point = kill.entity === null ? afterMs(300) : ledgerReaches(crashed.state.url, kill.entity, kill.afterRows);
      if (await killAt(run, point)) landed++;
      else expect((await run.exited).code, (await run.exited).stderr).toBe(0);
    }
    // Every kill must have landed, or the test proves less than it claims.
    expect(landed).toBe(KILLS.length);

    const resumed = await runCli(['run', '-p', project.dir, '--quiet'], { env: env(crashed) });
    expect(resumed.code, resumed.stderr).toBe(0);
    const [want, got] = [await snapshot(reference), await snapshot(crashed)];
    expect(got.customers!.length).toBeGreaterThan(40_000);
    expect(got).toEqual(want);
    const reconcile = await runCli(['reconcile', '-p', project.dir, '--format', 'json'], { env: env(crashed) });
    expect(reconcile.code, reconcile.stdout).toBe(0);
    const runs = await query(crashed.state.url, 'SELECT status, count(*)::int AS n FROM cutover.runs GROUP BY status ORDER BY status');
    expect(runs.map((r) => r.status)).toEqual(['interrupted', 'succeeded']);
    expect(runs[1]!.n).toBe(1);
  });
});

/** The target's rows (generated ids replaced by the legacy keys they stand for), the rejects and the id map. */
async function snapshot(target: Target): Promise<Record<string, unknown[]>> {
  const connection = await mysql.createConnection({ uri: target.rows.url, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  try {
    const rows = async (table: string) => (await connection.query(`SELECT * FROM \`${table}\` ORDER BY legacy_id`))[0] as Record<string, unknown>[];
    const customers = await rows('customers');
    const legacyOf = new Map(customers.map((row) => [row.id, row.legacy_id]));
    const withoutIds = (row: Record<string, unknown>) => {
      const { id: _id, ...rest } = row;
      return 'customer_id' in rest ? { ...rest, customer_id: rest.customer_id === null ? null : (legacyOf.get(rest.customer_id) ?? `missing ${String(rest.customer_id)}`) } : rest;
    };
    return {
      customers: customers.map(withoutIds),
      opportunities: (await rows('opportunities')).map(withoutIds),
      tickets: (await rows('tickets')).map(withoutIds),
      rejects: await query(target.state.url, 'SELECT entity, legacy_key, stage, reason FROM cutover.rejects ORDER BY entity, legacy_key'),
      idMap: await query(target.state.url, 'SELECT entity, status, count(*)::int AS n FROM cutover.id_map GROUP BY entity, status ORDER BY entity, status'),
      merges: await query(target.state.url, "SELECT legacy_key, detail FROM cutover.id_map WHERE entity = 'customers' AND status = 'merged' ORDER BY legacy_key"),
    };
  } finally {
    await connection.end();
  }
}

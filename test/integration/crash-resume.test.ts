/**
 * Crash resume, as issue 4 demands it: 200,000 legacy rows in MariaDB, the CLI killed with SIGKILL
 * at five moments across the entities (one before the first batch), re-run each time, and the
 * target ends identical, row for row and value for value, to an uninterrupted run.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedLegacyMysql } from '../../scripts/seed-legacy-mysql.js';
import { copyExampleProject, runCli, startCli } from '../support/cli.js';
import { createMysqlDatabase, createPostgresDatabase, describeWith, queryPostgres as query, type TestDatabase } from '../support/databases.js';

const ROWS = { customers: 50_000, opportunities: 75_000, tickets: 75_000 };

/** Where each kill happens: while this entity runs, once this many of its rows are read (null: 300 ms after start). */
const KILLS: readonly { entity: string | null; afterRows: number }[] = [
  { entity: null, afterRows: 0 },
  { entity: 'customers', afterRows: 17_000 },
  { entity: 'opportunities', afterRows: 9_000 },
  { entity: 'opportunities', afterRows: 61_000 },
  { entity: 'tickets', afterRows: 33_000 },
];

describeWith(['mysql', 'postgres'])('SIGKILL at five moments, then resume', () => {
  let legacy: TestDatabase;
  let reference: TestDatabase;
  let crashed: TestDatabase;
  let project: Awaited<ReturnType<typeof copyExampleProject>>;

  beforeAll(async () => {
    [legacy, reference, crashed, project] = await Promise.all([
      createMysqlDatabase('cutover_crash_legacy'),
      createPostgresDatabase('cutover_crash_reference'),
      createPostgresDatabase('cutover_crash_killed'),
      copyExampleProject(),
    ]);
    await seedLegacyMysql(legacy.url, ROWS);
  });
  afterAll(async () => {
    await Promise.all([legacy?.drop(), reference?.drop(), crashed?.drop(), project?.remove()]);
  });

  // With de-duplication on (the example merges customers), so that clusters and survivors must also come out the same.
  it('ends with the same target as an uninterrupted run, and reconciles', { timeout: 600_000 }, async () => {
    const env = (target: TestDatabase) => ({ LEGACY_URL: legacy.url, NEWCRM_URL: target.url });
    const uninterrupted = await runCli(['run', '-p', project.dir, '--quiet'], { env: env(reference) });
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);

    const killedAt: string[] = [];
    for (const kill of KILLS) {
      const { child, exited } = startCli(['run', '-p', project.dir, '--quiet'], { env: env(crashed) });
      const where = await killWhen(crashed.url, kill, exited);
      if (where !== null) {
        child.kill('SIGKILL');
        killedAt.push(where);
      }
      const end = await exited;
      if (where !== null) expect(end.signal).toBe('SIGKILL');
      else expect(end.code, end.stderr).toBe(0);
    }
    // Every kill must have landed, or the test proves less than it claims.
    expect(killedAt).toHaveLength(KILLS.length);

    const resumed = await runCli(['run', '-p', project.dir, '--quiet'], { env: env(crashed) });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await snapshot(crashed.url)).toEqual(await snapshot(reference.url));
    const reconcile = await runCli(['reconcile', '-p', project.dir, '--format', 'json'], { env: env(crashed) });
    expect(reconcile.code, reconcile.stdout).toBe(0);
    const runs = await query(crashed.url, "SELECT status, count(*)::int AS n FROM cutover.runs GROUP BY status ORDER BY status");
    // Killed runs are marked interrupted by the next one; the kill 300 ms in may land before a run row exists.
    expect(runs.map((r) => r.status)).toEqual(['interrupted', 'succeeded']);
    expect(runs[0]!.n).toBeGreaterThanOrEqual(KILLS.length - 1);
    expect(runs[1]!.n).toBe(1);
  });
});

/** Polls the state until the kill point is reached; null when the run ended first. */
async function killWhen(url: string, kill: { entity: string | null; afterRows: number }, exited: Promise<unknown>): Promise<string | null> {
  let ended = false;
  void exited.then(() => (ended = true));
  if (kill.entity === null) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return ended ? null : 'start';
  }
  while (!ended) {
    const rows = await query(url, 'SELECT entity, read::int AS read FROM cutover.run_ledger WHERE run_id = (SELECT max(run_id) FROM cutover.runs)').catch(() => []);
    const current = rows.find((row) => row.entity === kill.entity);
    if (current && Number(current.read) >= kill.afterRows) return `${kill.entity} after ${String(current.read)} rows`;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return null;
}

/** The target and the rejects with every generated id replaced by the legacy key it stands for. */
async function snapshot(url: string): Promise<Record<string, unknown[]>> {
  return {
    customers: await query(url, 'SELECT to_jsonb(c) - \'id\' AS row FROM public.customers c ORDER BY legacy_id'),
    opportunities: await query(url, "SELECT (to_jsonb(o) - 'id') || jsonb_build_object('customer_id', c.legacy_id) AS row FROM public.opportunities o JOIN public.customers c ON c.id = o.customer_id ORDER BY o.legacy_id"),
    tickets: await query(url, "SELECT (to_jsonb(t) - 'id') || jsonb_build_object('customer_id', c.legacy_id) AS row FROM public.tickets t LEFT JOIN public.customers c ON c.id = t.customer_id ORDER BY t.legacy_id"),
    rejects: await query(url, 'SELECT entity, legacy_key, stage, reason FROM cutover.rejects ORDER BY entity, legacy_key'),
    idMap: await query(url, 'SELECT entity, status, count(*)::int AS n FROM cutover.id_map GROUP BY entity, status ORDER BY entity, status'),
  };
}

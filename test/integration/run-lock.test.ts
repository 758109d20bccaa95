/**
 * The run lock of a sync that runs every few minutes for weeks: a run whose lock connection is
 * terminated (pg_terminate_backend) takes the lock again or stops writing at once, a second run
 * never writes while the first still does, and the commands that read the target during a run
 * say so instead of counting rows not read yet as unaccounted.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { describeWith } from '../support/databases.js';
import { createMigrationSetup, type MigrationSetup } from '../support/migration-setup.js';

const STACK_TRACE = /\n\s+at \S|unexpected error/;

describeWith(['mysql', 'postgres'])('run lock', () => {
  let setup: MigrationSetup;
  const env = () => setup.env();
  const query = (text: string, values: unknown[] = []) => setup.target(text, values);

  beforeAll(async () => {
    setup = await createMigrationSetup('cutover_lock', { customers: 1_500, opportunities: 2_000, tickets: 2_000 });
    // Small batches: a run of a few thousand rows still has many commits to be caught between.
    const file = path.join(setup.projectDir, 'cutover.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('batch_size: 2000', 'batch_size: 100'));
  });
  afterAll(async () => {
    await setup?.remove();
  });

  async function lastRunId(): Promise<number> {
    const rows = await query('SELECT coalesce(max(run_id), 0)::int AS id FROM cutover.runs').catch(() => [{ id: 0 }]);
    return Number(rows[0]!.id);
  }

  /** Waits until a run newer than `afterRun` has committed `batches` batches of `entity`. */
  async function reached(afterRun: number, entity: string, batches: number): Promise<void> {
    for (;;) {
      const found = await query('SELECT batches FROM cutover.run_ledger WHERE entity = $1 AND run_id > $2', [entity, afterRun]).catch(() => []);
      if (found.length > 0 && Number(found[0]!.batches) >= batches) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function client(): Promise<pg.Client> {
    const connection = new pg.Client({ connectionString: setup.newcrm.url });
    await connection.connect();
    return connection;
  }

  /** Terminates the connection holding the run lock, found by its application_name. */
  async function waitFor(condition: () => Promise<boolean>): Promise<void> {
    while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  async function terminateLockConnection(connection: pg.Client): Promise<void> {
    const { rows } = await connection.query(
      `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'cutover run lock%'`,
    );
    expect(rows.length).toBe(1);
  }

  /** The batch commits of `earlier` all end before `later` writes anything (the ledger rows it starts). */
  async function expectNoOverlap(earlier: number, later: number): Promise<void> {
    // Compared by the server: microseconds, which a JavaScript Date would round away.
    const [times] = await query(
      `SELECT max(last_commit_at) FILTER (WHERE run_id = $1)::text AS earlier_last, min(started_at) FILTER (WHERE run_id = $2)::text AS later_first,
              max(last_commit_at) FILTER (WHERE run_id = $1) < min(started_at) FILTER (WHERE run_id = $2) AS ordered
         FROM cutover.run_ledger`,
      [earlier, later],
    );
    if (times!.later_first !== null && times!.earlier_last !== null) expect(times!.ordered, JSON.stringify(times)).toBe(true);
  }

  it('while a run is in progress, reconcile and status say so and compare only what it finished; --wait waits', async () => {
    const before = await lastRunId();
    const run = startCli(['run', '-p', setup.projectDir, '--quiet'], { env: env() });
    // customers finished, opportunities half-way, tickets not started: hold the run's next commit.
    await reached(before, 'opportunities', 2);
    const pause = await client();
    try {
      await pause.query('BEGIN');
      await pause.query('SELECT run_id FROM cutover.run_lock FOR UPDATE');
      const [ledger] = await query(`SELECT read::int FROM cutover.run_ledger WHERE entity = 'opportunities' AND run_id > $1`, [before]);

      const reconcile = await runCli(['reconcile', '-p', setup.projectDir, '--counts-only', '--quiet'], { env: env() });
      expect(reconcile.code, reconcile.stdout + reconcile.stderr).toBe(2);
      expect(reconcile.stdout).toMatch(/^Run \d+ \(incremental of customers, opportunities, tickets\) by process \d+ on \S+, started .* is in progress: this report is as of its last committed batch\./m);
      expect(reconcile.stdout).toContain(`opportunities: in progress (run ${before + 1}, running): ${Number(ledger!.read).toLocaleString('en-US')} rows committed so far, not compared`);
      expect(reconcile.stdout).toContain('tickets: in progress (run');
      expect(reconcile.stdout).not.toMatch(/unaccounted \(|DIFFERS/);
      const json = await runCli(['reconcile', '-p', setup.projectDir, '--counts-only', '--json', '--quiet'], { env: env() });
      expect(json.code).toBe(2);
      const report = JSON.parse(json.stdout) as { reconciled: boolean; entities: { entity: string; unaccounted: number }[]; inProgress: { run: { runId: number }; notCompared: { entity: string }[] } };
      expect(report.reconciled).toBe(false);
      expect(report.entities.map((e) => [e.entity, e.unaccounted])).toEqual([['customers', 0]]);
      expect(report.inProgress.run.runId).toBe(before + 1);
      expect(report.inProgress.notCompared.map((e) => e.entity)).toEqual(['opportunities', 'tickets']);

      const status = await runCli(['status', '-p', setup.projectDir, '--quiet'], { env: env() });
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(new RegExp(`IN PROGRESS: run ${before + 1} \\(incremental of customers, opportunities, tickets\\) by process \\d+ on \\S+, started .*; the numbers below are as of its last committed batch`));

      const waiting = startCli(['reconcile', '-p', setup.projectDir, '--counts-only', '--wait', '--wait-timeout', '120'], { env: env() });
      const early = await Promise.race([waiting.exited, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2_000))]);
      expect(early).toBe('still waiting');
      await pause.query('COMMIT');
      const waited = await waiting.exited;
      expect(waited.code, waited.stderr).toBe(0);
      expect(waited.stderr).toMatch(/is in progress; waiting for it to end \(up to 120 s\)/);
      const end = await run.exited;
      expect(end.code, end.stderr).toBe(0);
    } finally {
      await pause.query('ROLLBACK').catch(() => undefined);
      await pause.end();
    }
  });

  it('a run whose lock is terminated and taken by another session stops writing at once, resumably', async () => {
    const before = await lastRunId();
    const first = startCli(['run', '-p', setup.projectDir, '--full', '--no-progress'], { env: env() });
    await reached(before, 'customers', 2);
    const other = await client();
    const admin = await client();
    try {
      // Queued for the lock first (the server grants it in order), so that when the run's lock
      // connection is terminated this session has it before the run can take it back.
      const [{ pid }] = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
      const taken = other.query(`SELECT pg_advisory_lock(hashtext('cutover:cutover'))`);
      await waitFor(async () => (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [pid])).rows.length === 1);
      await terminateLockConnection(admin);
      await taken;
      const end = await first.exited;
      expect(end.code).toBe(2);
      expect(end.stderr).toMatch(/cutover: run \d+ stopped: the run lock was lost \(another process holds it now\); nothing more was written\n {2}everything committed is kept; run `cutover run -p \S+ --full --no-progress` again to resume/);
      expect(end.stderr).not.toMatch(STACK_TRACE);
    } finally {
      await Promise.all([other.end(), admin.end()]);
    }
    const [stopped] = await query('SELECT status, error FROM cutover.runs WHERE run_id = $1', [before + 1]);
    expect(stopped).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/^the run lock was lost/) });
    const resumed = await runCli(['run', '-p', setup.projectDir], { env: env() });
    expect(resumed.code, resumed.stderr).toBe(0);
    await expectNoOverlap(before + 1, before + 2);
    const reconcile = await runCli(['reconcile', '-p', setup.projectDir, '--counts-only'], { env: env() });
    expect(reconcile.code, reconcile.stdout).toBe(0);
  });

  it('terminating the lock connection and starting a second run: never two runs writing at once, no stack trace', async () => {
    const before = await lastRunId();
    const first = startCli(['run', '-p', setup.projectDir, '--full', '--no-progress'], { env: env() });
    await reached(before, 'customers', 2);
    const other = await client();
    try {
      await terminateLockConnection(other);
    } finally {
      await other.end();
    }
    const second = await runCli(['run', '-p', setup.projectDir, '--full', '--no-progress'], { env: env() });
    const end = await first.exited;
    for (const output of [end.stderr, second.stderr]) expect(output).not.toMatch(STACK_TRACE);
    // The first took the lock again (the second is refused, naming it) or lost it to the second.
    if (end.code === 0) {
      expect(second.code === 0 || /another cutover run is in progress on this target: run \d+/.test(second.stderr), second.stderr).toBe(true);
    } else {
      expect(end.code).toBe(2);
      expect(end.stderr).toMatch(/cutover: run \d+ stopped: the run lock was lost \(/);
      expect(second.code, second.stderr).toBe(0);
    }
    await expectNoOverlap(before + 1, before + 2);
    const runs = await query('SELECT run_id::int, status FROM cutover.runs WHERE run_id > $1 ORDER BY run_id', [before]);
    expect(runs.filter((r) => r.status === 'running')).toEqual([]);
    const last = await runCli(['run', '-p', setup.projectDir], { env: env() });
    expect(last.code, last.stderr).toBe(0);
    const reconcile = await runCli(['reconcile', '-p', setup.projectDir], { env: env() });
    expect(reconcile.code, reconcile.stdout).toBe(0);
  });
});

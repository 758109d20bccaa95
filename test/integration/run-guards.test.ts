/**
 * Guards of a sync that runs every few minutes for weeks: a second run on the same target is
 * refused with a message naming the first; SIGTERM and Ctrl-C stop it cleanly (exit 143, 130) with
 * the command that resumes it; a target connection killed mid-run (pg_terminate_backend) is
 * retried and the run completes.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { describeWith } from '../support/databases.js';
import { createMigrationSetup, type MigrationSetup } from '../support/migration-setup.js';

describeWith(['mysql', 'postgres'])('run guards', () => {
  let setup: MigrationSetup;
  const env = () => setup.env();
  const query = (text: string, values: unknown[] = []) => setup.target(text, values);

  beforeAll(async () => {
    setup = await createMigrationSetup('cutover_guard', { customers: 20_000, opportunities: 30_000, tickets: 30_000 });
  });
  afterAll(async () => {
    await setup?.remove();
  });

  async function lastRunId(): Promise<number> {
    const rows = await query('SELECT coalesce(max(run_id), 0)::int AS id FROM cutover.runs').catch(() => [{ id: 0 }]);
    return Number(rows[0]!.id);
  }

  /** Waits until a run newer than `afterRun` has read `rows` rows of `entity`. */
  async function reached(afterRun: number, entity: string, rows: number): Promise<void> {
    for (;;) {
      const found = await query('SELECT read::int AS read FROM cutover.run_ledger WHERE entity = $1 AND run_id > $2', [entity, afterRun]).catch(() => []);
      if (found.length > 0 && Number(found[0]!.read) >= rows) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('refuses a second run on the same target, naming the one in progress', async () => {
    const before = await lastRunId();
    const first = startCli(['run', '-p', setup.projectDir, '--quiet'], { env: env() });
    await reached(before, 'customers', 2_000);
    const second = await runCli(['run', '-p', setup.projectDir], { env: env() });
    expect(second.code).toBe(2);
    const lines = second.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^cutover: another cutover run is in progress on this target: run \d+ \(incremental of customers, opportunities, tickets\) by process \d+ on \S+, started /);
    expect(lines[1]).toMatch(/wait for it to finish/);
    const end = await first.exited;
    expect(end.code, end.stderr).toBe(0);
  });

  it('finishes the batch in flight on SIGTERM, stops cleanly, and the next run resumes', async () => {
    const before = await lastRunId();
    const logFile = path.join(setup.projectDir, '.cutover', 'cutover.log');
    const logBefore = (await readFile(logFile, 'utf8').catch(() => '')).length;
    const run = startCli(['run', '-p', setup.projectDir, '--full', '--no-progress'], { env: env() });
    await reached(before, 'opportunities', 2_000);
    run.child.kill('SIGTERM');
    const end = await run.exited;
    expect(end.code, end.stderr).toBe(143);
    expect(end.stderr).toMatch(/SIGTERM: finishing the batch in flight, then stopping/);
    expect(end.stderr).toContain(`  committed batches are kept; run \`cutover run -p ${setup.projectDir} --full --no-progress\` again to resume from the last one`);
    const [stopped] = await query('SELECT run_id, status FROM cutover.runs WHERE run_id > $1', [before]);
    expect(stopped!.status).toBe('interrupted');
    // Every committed batch balances; nothing after the stop was started.
    const ledger = await query(
      `SELECT entity, read - (inserted + updated + unchanged + merged + rejected + filtered) AS unaccounted, batches FROM cutover.run_ledger WHERE run_id = $1 ORDER BY entity`,
      [stopped!.run_id],
    );
    expect(ledger.map((l) => [l.entity, Number(l.unaccounted)])).toEqual([
      ['customers', 0],
      ['opportunities', 0],
    ]);
    const resumed = await runCli(['run', '-p', setup.projectDir], { env: env() });
    expect(resumed.code, resumed.stderr).toBe(0);
    const reconcile = await runCli(['reconcile', '-p', setup.projectDir], { env: env() });
    expect(reconcile.code, reconcile.stdout).toBe(0);
  });

  it('exits 130 on Ctrl-C after the clean stop, with a hint that repeats the command as given; that command resumes', async () => {
    const before = await lastRunId();
    const args = ['run', 'customers', 'opportunities', '-p', setup.projectDir, '--full', '--no-progress'];
    const run = startCli(args, { env: env() });
    await reached(before, 'opportunities', 2_000);
    run.child.kill('SIGINT');
    const end = await run.exited;
    expect(end.code, end.stderr).toBe(130);
    expect(end.stderr).toMatch(/SIGINT: finishing the batch in flight, then stopping/);
    const hint = /^ {2}committed batches are kept; run `([^`]+)` again to resume from the last one$/m.exec(end.stderr);
    expect(hint?.[1], end.stderr).toBe(`cutover ${args.join(' ')}`);
    const [stopped] = await query('SELECT status FROM cutover.runs WHERE run_id > $1', [before]);
    expect(stopped!.status).toBe('interrupted');
    // The hint, pasted: the stopped entities finish, and every row of them is accounted for.
    const resumed = await runCli(hint![1]!.split(' ').slice(1), { env: env() });
    expect(resumed.code, resumed.stderr).toBe(0);
    const reconcile = await runCli(['reconcile', 'customers', 'opportunities', '-p', setup.projectDir, '--counts-only'], { env: env() });
    expect(reconcile.code, reconcile.stdout).toBe(0);
  });

  it('retries when the target connection is terminated mid-run, and completes', async () => {
    const before = await lastRunId();
    const logFile = path.join(setup.projectDir, '.cutover', 'cutover.log');
    const logBefore = (await readFile(logFile, 'utf8').catch(() => '')).length;
    const run = startCli(['run', '-p', setup.projectDir, '--full', '--no-progress'], { env: env() });
    await reached(before, 'opportunities', 4_000);
    // The batch connections, not the one holding the run lock.
    const killed = await query(
      `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'cutover' AND pid <> pg_backend_pid()
          AND pid NOT IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory')`,
    );
    expect(killed.length).toBeGreaterThan(0);
    const end = await run.exited;
    expect(end.code, end.stderr).toBe(0);
    // The server's 57P01, or the socket closing first: either way the batch is retried, and the
    // log file (not the terminal, which shows only outcomes) has the retry with its cause.
    const retries = (await readFile(logFile, 'utf8'))
      .slice(logBefore)
      .split('\n')
      .filter((line) => /failed, retrying in \d+ ms \(attempt \d+ of \d+\)/.test(line));
    expect(retries.length, end.stderr).toBeGreaterThan(0);
    expect(retries.join('\n')).toMatch(/PostgreSQL 127\.0\.0\.1:5432\/\w+: (connection terminated by an administrator|Connection terminated unexpectedly)/);
    const reconcile = await runCli(['reconcile', '-p', setup.projectDir], { env: env() });
    expect(reconcile.code, reconcile.stdout).toBe(0);
  });
});

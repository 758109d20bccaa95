/**
 * `cutover backup --to DIR` under SIGKILL, at the start, inside the first table's file and inside
 * the last one (plain CSV), and inside an encrypted XLSX file: a killed backup never
 * passes `backup verify`, a re-run into its folder is refused with the reason, and a re-run into
 * a new folder makes a backup that verifies and holds every source row.
 */
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { describeWith } from '../support/databases.js';
import { closeProbes, fileReaches, killAt, type KillPoint } from '../support/kill-points.js';
import { createMigrationSetup, type MigrationSetup } from '../support/migration-setup.js';

const ROWS = { customers: 2_000, opportunities: 1_500, tickets: 1_500 };
const KEY = randomBytes(32).toString('hex');

describeWith(['mysql', 'postgres'])('cutover backup under SIGKILL', () => {
  let setup: MigrationSetup;
  let folder: string;
  const env = () => ({ ...setup.env(), CUTOVER_BACKUP_KEY: KEY });

  beforeAll(async () => {
    [setup, folder] = await Promise.all([createMigrationSetup('cutover_killbackup', ROWS), mkdtemp(path.join(tmpdir(), 'cutover-killbackup-'))]);
    // Small pages: a table's file grows over many writes, so that a kill lands inside it.
    const config = path.join(setup.projectDir, 'cutover.yaml');
    await writeFile(config, (await readFile(config, 'utf8')).replace('batch_size: 2000', 'batch_size: 100'));
  });
  afterAll(async () => {
    await closeProbes();
    await Promise.all([setup?.remove(), folder ? rm(folder, { recursive: true, force: true }) : undefined]);
  });

  it('never leaves a backup that verifies unless it is complete; a re-run makes one that does', { timeout: 300_000 }, async () => {
    const moments: { name: string; format: 'csv' | 'xlsx'; encrypt: boolean; point: (dir: string) => KillPoint }[] = [
      // (A kill while the source is first read is timed by polling MariaDB, which a quick backup outruns: the file sizes below are the moments that land every time.)
      { name: 'inside customers.csv', format: 'csv', encrypt: false, point: (dir) => fileReaches(path.join(dir, 'customers.csv'), 100_000) },
      { name: 'inside tickets.csv', format: 'csv', encrypt: false, point: (dir) => fileReaches(path.join(dir, 'tickets.csv'), 20_000) },
      { name: 'inside opportunities.xlsx.enc', format: 'xlsx', encrypt: true, point: (dir) => fileReaches(path.join(dir, 'opportunities.xlsx.enc'), 30_000) },
    ];
    const outcomes: Record<string, unknown>[] = [];
    for (const [i, moment] of moments.entries()) {
      const dir = path.join(folder, `killed-${i}`);
      const args = ['backup', '--to', dir, '--format', moment.format, ...(moment.encrypt ? ['--encrypt'] : []), '-p', setup.projectDir, '--quiet'];
      const run = startCli(args, { env: env() });
      const killed = await killAt(run, moment.point(dir), 1);
      const complete = await access(path.join(dir, 'manifest.json')).then(() => true, () => false);
      const verify = await runCli(['backup', 'verify', dir], { env: env() });
      // A kill that landed after the manifest's rename left a complete backup: that one must verify.
      outcomes.push({ moment: moment.name, killed, verifies: verify.code === 0, complete, stackTrace: /\n\s+at /.test(verify.stderr) });
      if (!complete) expect(verify.stderr.trim()).toBe(`cutover: ${dir} has no manifest.json: it is not a cutover backup, or its backup did not finish\n  back up again into a new folder`);
    }
    // Every kill landed, and only a complete backup verifies.
    expect(outcomes.filter((o) => !o.killed)).toEqual([]);
    expect(outcomes.filter((o) => o.verifies !== o.complete || o.stackTrace)).toEqual([]);
    // Killed inside the files, the backups are incomplete, or the test proves nothing.
    expect(outcomes.map((o) => o.complete)).toEqual([false, false, false]);

    // The same command again: refused, with what to do, and nothing written.
    const again = await runCli(['backup', '--to', path.join(folder, 'killed-2'), '-p', setup.projectDir, '--quiet'], { env: env() });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^cutover: \S+killed-2 is not empty \(.*\); a backup that did not finish leaves files but no manifest\.json\n {2}choose a new folder for the backup, or remove this one\n$/);
    expect(await access(path.join(folder, 'killed-2', 'manifest.json')).then(() => true, () => false)).toBe(false);

    const dir = path.join(folder, 'fresh');
    const rerun = await runCli(['backup', '--to', dir, '-p', setup.projectDir, '--quiet'], { env: env() });
    expect(rerun.code, rerun.stderr).toBe(0);
    const verify = await runCli(['backup', 'verify', dir, '--against', '--json', '-p', setup.projectDir], { env: env() });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const files = (JSON.parse(verify.stdout) as { files: { table: string; rows: number; sourceRowsNow: number }[] }).files;
    expect(Object.fromEntries(files.map((f) => [f.table, [f.rows, f.sourceRowsNow]]))).toEqual(Object.fromEntries(Object.entries(ROWS).map(([table, rows]) => [table, [rows, rows]])));
  });

  it('stops at the first Ctrl-C with exit 130, saying the folder holds an incomplete backup', { timeout: 120_000 }, async () => {
    const dir = path.join(folder, 'interrupted');
    const run = startCli(['backup', '--to', dir, '-p', setup.projectDir], { env: env() });
    const reached = fileReaches(path.join(dir, 'customers.csv'), 20_000);
    while (!(await reached())) await new Promise((resolve) => setTimeout(resolve, 5));
    run.child.kill('SIGINT');
    const end = await run.exited;
    expect(end.code, end.stderr).toBe(130);
    expect(end.stderr).toMatch(/SIGINT: stopping now; the backup will be incomplete/);
    expect(end.stderr).toMatch(/^cutover: backup stopped: \S+interrupted holds an incomplete backup \(no manifest\.json\), which no command will take for a whole one\n {2}remove the folder, or choose a new one, and run the backup again\n$/m);
    expect(end.stderr).not.toMatch(/\n\s+at /);
    expect(await access(path.join(dir, 'manifest.json')).then(() => true, () => false)).toBe(false);
  });
});

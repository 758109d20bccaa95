/**
 * `cutover plan` and `cutover reconcile` under SIGKILL, a third and two thirds of the way and as
 * they write their `--out` file: neither changes a table of the target or the state (on a fresh
 * target, creates nothing), and the `--out` file is always a whole one, the previous or the new,
 * with at most a `.…partial` file beside it. A write cut short at a byte (a file-size limit) shows
 * the same deterministically.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packagePath } from '../../pipelines/package-root.js';
import { runCli, startCli } from '../support/cli.js';
import { describeWith, withMysqlAdmin } from '../support/databases.js';
import { afterMs, closeProbes, killAt, type KillPoint } from '../support/kill-points.js';
import { createMigrationSetup, type MigrationSetup } from '../support/migration-setup.js';
import { tableDigests } from '../support/target-snapshot.js';

const ROWS = { customers: 800, opportunities: 500, tickets: 500 };

describeWith(['mysql', 'postgres'])('plan and reconcile under SIGKILL', () => {
  let setup: MigrationSetup;
  let reports: string;
  // Plans read everything (--full), so that a kill can land while each table is read.
  const args = (command: 'plan' | 'reconcile', out: string) => [command, ...(command === 'plan' ? ['--full'] : []), '--format', 'json', '--out', out, '-p', setup.projectDir, '--quiet'];

  beforeAll(async () => {
    setup = await createMigrationSetup('cutover_killlook', ROWS);
    reports = path.join(setup.projectDir, 'reports');
    await mkdir(reports);
    const config = path.join(setup.projectDir, 'cutover.yaml');
    await writeFile(config, (await readFile(config, 'utf8')).replace('batch_size: 2000', 'batch_size: 200'));
  });
  afterAll(async () => {
    await closeProbes();
    await setup?.remove();
  });

  /** The `--out` file changed, or its temporary file appeared: it is being written. */
  function writing(file: string, pid: () => number): KillPoint {
    let before: number | null = null;
    return async () => {
      const mtime = (await stat(file).catch(() => null))?.mtimeMs ?? 0;
      before ??= mtime;
      return mtime !== before || (await readdir(path.dirname(file))).includes(`.${path.basename(file)}.${pid()}.partial`);
    };
  }

  /**
   * Kills `command` at a third and two thirds of the time an uninterrupted one took (`took`, in
   * ms: the reads are pages too short to catch in a poll) and as it writes its `--out` file; after
   * each, the target is as before and `out` is one of `whole` (null: absent), after `normalise`.
   */
  async function killEach(command: 'plan' | 'reconcile', out: string, took: number, whole: readonly (string | null)[], normalise: (text: string) => unknown = (t) => t) {
    const target = await tableDigests(setup.newcrm.url);
    let pid = 0;
    const moments: [string, (scale: number) => KillPoint][] = [
      ['a third of the way', (scale) => afterMs((scale * took) / 3)],
      ['two thirds of the way', (scale) => afterMs((scale * 2 * took) / 3)],
      ['writing the --out file', () => writing(out, () => pid)],
    ];
    const wanted = whole.map((text) => (text === null ? null : normalise(text)));
    const earlier = await readdir(reports);
    const outcomes = [];
    for (const [moment, point] of moments) {
      let killed = false;
      // A timed moment that came after the end (the machine was faster this time) is tried again, sooner.
      for (let attempt = 0, scale = 1; attempt < 3 && !killed; attempt++, scale /= 2) {
        const run = startCli(args(command, out), { env: setup.env() });
        pid = run.child.pid!;
        killed = await killAt(run, point(scale), 1);
      }
      const left = await readFile(out, 'utf8').catch(() => null);
      outcomes.push({
        moment,
        killed,
        targetUnchanged: JSON.stringify(await tableDigests(setup.newcrm.url)) === JSON.stringify(target),
        // A kill that came after the rename left the new file: as whole as the old one.
        whole: wanted.some((w) => JSON.stringify(w) === JSON.stringify(left === null ? null : normalise(left))),
        beside: (await readdir(reports)).filter((name) => !earlier.includes(name) && name !== path.basename(out) && !/^\..+\.\d+\.partial$/.test(name)),
      });
    }
    expect(outcomes).toEqual(moments.map(([moment]) => ({ moment, killed: true, targetUnchanged: true, whole: true, beside: [] })));
  }

  it('plan, killed on a fresh target, creates nothing', { timeout: 300_000 }, async () => {
    // What the plan says, written elsewhere: a kill after its rename leaves this.
    const started = Date.now();
    const complete = await runCli(args('plan', path.join(setup.projectDir, 'first-plan.json')), { env: setup.env() });
    expect(complete.code, complete.stderr).toBe(0);
    await killEach('plan', path.join(reports, 'first-plan.json'), Date.now() - started, [null, await readFile(path.join(setup.projectDir, 'first-plan.json'), 'utf8')]);
    expect(await tableDigests(setup.newcrm.url)).toEqual({});
  });

  it('plan and reconcile, killed on a loaded target, change nothing and leave no half file', { timeout: 400_000 }, async () => {
    const first = await runCli(['run', '-p', setup.projectDir, '--quiet'], { env: setup.env() });
    expect(first.code, first.stderr).toBe(0);
    // Work for the plan (rows moved on) and differences for the reconciliation (values changed in place).
    await withMysqlAdmin(async (db) => {
      await db.query("UPDATE customers SET city = concat(coalesce(city, ''), ' Nord'), updated_at = now() WHERE id % 7 = 0");
      await db.query("UPDATE tickets SET subject = concat(subject, ' (edited)') WHERE id % 5 = 0");
    }, setup.legacy.url);

    const planFile = path.join(reports, 'plan.json');
    let started = Date.now();
    const plan = await runCli(args('plan', planFile), { env: setup.env() });
    expect(plan.code, plan.stderr).toBe(0);
    await killEach('plan', planFile, Date.now() - started, [await readFile(planFile, 'utf8')]);

    const reportFile = path.join(reports, 'reconciliation.json');
    started = Date.now();
    const report = await runCli(args('reconcile', reportFile), { env: setup.env() });
    expect(report.code, report.stderr).toBe(1);
    // The same report but for the moment it was made.
    const withoutTime = (text: string) => ({ ...(JSON.parse(text) as object), generatedAt: 'any' });
    await killEach('reconcile', reportFile, Date.now() - started, [await readFile(reportFile, 'utf8')], withoutTime);
  });

  it('a write cut short leaves the previous --out file whole', { timeout: 120_000 }, async () => {
    // The limit below holds for every file the process writes: its log goes where no limit applies.
    const config = path.join(setup.projectDir, 'cutover.yaml');
    await writeFile(config, `${await readFile(config, 'utf8')}  log_file: /dev/null\n`);
    // The files the test before wrote, whole.
    for (const [command, file] of [['plan', 'plan.json'], ['reconcile', 'reconciliation.json']] as const) {
      const out = path.join(reports, file);
      const previous = await readFile(out, 'utf8');
      const before = await readdir(reports);
      // The process cannot write past half the file, as if killed there.
      const cut = await runLimited(Math.floor(Buffer.byteLength(previous) / 2), args(command, out), setup.env());
      expect({ command, code: cut.code, stderr: cut.stderr }).toMatchObject({ code: 2, stderr: expect.stringMatching(/^cutover: cannot write: the file is too large \(EFBIG\)/) });
      expect({ command, whole: (await readFile(out, 'utf8')) === previous }).toEqual({ command, whole: true });
      // Its own partial file is removed (the ones of the killed runs before stay, named as such).
      expect(await readdir(reports)).toEqual(before);
    }
  });
});

/** The CLI with its files limited to `bytes` bytes (RLIMIT_FSIZE): a write past it fails, EFBIG. */
function runLimited(bytes: number, args: readonly string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('prlimit', [`--fsize=${bytes}`, '--', process.execPath, packagePath('dist', 'scripts', 'cli.js'), ...args], { env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env } }, (error, _stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stderr });
    });
  });
}

/**
 * Review decisions under SIGKILL: `keep apart` and `merge` marked in the customers review file,
 * the run killed while it applies them (after the first, a third, two thirds of the decisions),
 * while it loads afterwards and while it writes the review file again; the re-run ends with the
 * target, the id map and the merges of an uninterrupted apply.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedLegacyMysql } from '../../scripts/seed-legacy-mysql.js';
import { copyExampleProject, runCli, startCli } from '../support/cli.js';
import { createMysqlDatabase, createPostgresDatabase, describeWith, queryPostgres as query, type TestDatabase } from '../support/databases.js';
import { closeProbes, countReaches, killAt, ledgerReaches, type KillPoint } from '../support/kill-points.js';
import { migrationSnapshot } from '../support/target-snapshot.js';

const ROWS = { customers: 1_200, opportunities: 400, tickets: 400 };
const DECIDED = "SELECT count(*) FROM cutover.review_pairs WHERE entity = 'customers' AND decision IS NOT NULL";

describeWith(['mysql', 'postgres'])('review decisions applied under SIGKILL', () => {
  let legacy: TestDatabase;
  const targets: TestDatabase[] = [];
  const projects: Awaited<ReturnType<typeof copyExampleProject>>[] = [];

  beforeAll(async () => {
    legacy = await createMysqlDatabase('cutover_killreview_legacy');
    await seedLegacyMysql(legacy.url, ROWS);
  });
  afterAll(async () => {
    await closeProbes();
    await Promise.all([legacy?.drop(), ...targets.map((t) => t.drop()), ...projects.map((p) => p.remove())]);
  });

  /** A target loaded once, with its project (whose review file the first run wrote). */
  async function loaded(): Promise<{ target: TestDatabase; dir: string; reviewFile: string; env: Record<string, string> }> {
    const [target, project] = await Promise.all([createPostgresDatabase('cutover_killreview'), copyExampleProject()]);
    targets.push(target);
    projects.push(project);
    // Small batches: more moments to land a kill in.
    const config = path.join(project.dir, 'cutover.yaml');
    await writeFile(config, (await readFile(config, 'utf8')).replace('batch_size: 2000', 'batch_size: 250'));
    const env = { LEGACY_URL: legacy.url, NEWCRM_URL: target.url };
    const first = await runCli(['run', '-p', project.dir, '--quiet'], { env });
    expect(first.code, first.stderr).toBe(0);
    return { target, dir: project.dir, reviewFile: path.join(project.dir, 'review', 'customers.csv'), env };
  }

  it('ends with the target, id map and merges of an uninterrupted apply', { timeout: 300_000 }, async () => {
    const [reference, killed] = await Promise.all([loaded(), loaded()]);
    // Decide as a person would: every other merge kept apart, every pair to review merged.
    const lines = (await readFile(reference.reviewFile, 'utf8')).split('\r\n');
    expect(await readFile(killed.reviewFile, 'utf8')).toBe(lines.join('\r\n'));
    let merged = 0;
    const marked = lines.map((line) => {
      if (line.startsWith(',to review,')) return `merge${line}`;
      if (line.startsWith(',merged,') && merged++ % 2 === 0) return `keep apart${line}`;
      return line;
    });
    const decisions = marked.filter((line, i) => line !== lines[i]).length;
    expect(decisions).toBeGreaterThanOrEqual(12);
    await writeFile(reference.reviewFile, marked.join('\r\n'));
    await writeFile(killed.reviewFile, marked.join('\r\n'));

    // Every run re-reads everything (--full), so that the killed ones always reach the later moments;
    // the reference does the same, as a merged record read again is "merged earlier" in the id map.
    const uninterrupted = await runCli(['run', '-p', reference.dir, '--quiet', '--full'], { env: reference.env });
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);
    const expected = await migrationSnapshot(reference.target.url);
    const rewritten = await readFile(reference.reviewFile, 'utf8');
    expect(expected.decisions).toHaveLength(decisions);

    // The review file is being written again: it changed, or its temporary file appeared.
    let written = (await stat(killed.reviewFile)).mtimeMs;
    let pid = 0;
    const reviewRewritten: KillPoint = async () =>
      (await stat(killed.reviewFile)).mtimeMs > written || (await readdir(path.dirname(killed.reviewFile))).includes(`.customers.csv.${pid}.partial`);
    const points: [string, KillPoint][] = [
      ['after the first decision', countReaches(killed.target.url, DECIDED, 1)],
      ['after a third of the decisions', countReaches(killed.target.url, DECIDED, Math.ceil(decisions / 3))],
      ['after two thirds of the decisions', countReaches(killed.target.url, DECIDED, Math.ceil((2 * decisions) / 3))],
      ['while opportunities load after the apply', ledgerReaches(killed.target.url, 'opportunities', 250)],
      ['while the review file is written again', reviewRewritten],
    ];
    const landed: string[] = [];
    for (const [moment, point] of points) {
      written = (await stat(killed.reviewFile)).mtimeMs;
      const run = startCli(['run', '-p', killed.dir, '--quiet', '--full'], { env: killed.env });
      pid = run.child.pid!;
      if (await killAt(run, point, 2)) landed.push(moment);
      else expect((await run.exited).code, (await run.exited).stderr).toBe(0);
      // The review file is the one marked, or the complete new one: never a part of either.
      const now = await readFile(killed.reviewFile, 'utf8');
      expect({ moment, lines: now.split('\r\n').length, file: now === rewritten ? 'rewritten' : now === marked.join('\r\n') ? 'marked' : 'partial' }).toEqual({
        moment,
        lines: now === rewritten ? rewritten.split('\r\n').length : marked.length,
        file: expect.stringMatching(/^(rewritten|marked)$/),
      });
      // Beside it, at most what a killed write left, named as such.
      expect((await readdir(path.dirname(killed.reviewFile))).filter((name) => name !== 'customers.csv' && !/^\.customers\.csv\.\d+\.partial$/.test(name))).toEqual([]);
    }
    expect(landed).toEqual(points.map(([moment]) => moment));

    const resumed = await runCli(['run', '-p', killed.dir, '--quiet', '--full'], { env: killed.env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).not.toMatch(/\n\s+at /);
    const actual = await migrationSnapshot(killed.target.url);
    for (const part of Object.keys(expected)) expect({ part, rows: actual[part] }, part).toEqual({ part, rows: expected[part] });
    const reconcile = await runCli(['reconcile', '-p', killed.dir, '--counts-only'], { env: killed.env });
    expect(reconcile.code, reconcile.stdout).toBe(0);
    // Nothing else is left to apply: the review file shows no decision any more.
    expect((await readFile(killed.reviewFile, 'utf8')).split('\r\n').filter((line) => /^(merge|keep apart),/.test(line))).toEqual([]);
    expect(await query(killed.target.url, "SELECT count(*)::int AS n FROM cutover.runs WHERE status = 'running'")).toEqual([{ n: 0 }]);
  });
});

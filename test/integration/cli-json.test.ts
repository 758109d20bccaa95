/**
 * `--json` for scripts, through the built executable: `validate` (valid, or each problem with
 * file, line, pointer and message), `run` (run id, status, ledger per entity), `status`, `plan`
 * and `rejects list`; every time in them ISO 8601 with its offset.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeLegacyExport } from '../../scripts/legacy-crm/write-export.js';
import { copyExampleProject, runCli } from '../support/cli.js';
import { createPostgresDatabase, describeWith, type TestDatabase } from '../support/databases.js';

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describeWith(['postgres'])('--json outputs', () => {
  let newcrm: TestDatabase;
  let project: Awaited<ReturnType<typeof copyExampleProject>>;
  const cli = (...args: string[]) => runCli([...args, '-p', project.dir, '--quiet'], { env: { NEWCRM_URL: newcrm.url } });
  const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>;

  beforeAll(async () => {
    newcrm = await createPostgresDatabase('cutover_cli_json');
    project = await copyExampleProject();
    await writeLegacyExport(path.join(project.dir, 'legacy-export'), { customers: 300, opportunities: 200, tickets: 200 });
  });
  afterAll(async () => {
    await Promise.all([newcrm?.drop(), project?.remove()]);
  });

  it('validate --json: valid, with the connections (no password) and the entities', async () => {
    const result = await cli('validate', '--json');
    expect(result.code, result.stderr).toBe(0);
    const report = json(result.stdout);
    expect(report).toMatchObject({ valid: true, project: path.join(project.dir, 'cutover.yaml') });
    expect(report.connections.map((c: { name: string }) => c.name)).toEqual(['legacy', 'newcrm']);
    expect(report.entities.map((e: { entity: string }) => e.entity)).toEqual(['customers', 'opportunities', 'tickets']);
  });

  it('validate --json: every problem with file, line, column, JSON pointer and message; exit 2', async () => {
    const file = path.join(project.dir, 'customers.yaml');
    const text = await readFile(file, 'utf8');
    try {
      // Two mistakes of the same stage (the schema), so both are reported.
      await writeFile(file, text.replace('required: true', "required: 'yes'").replace('required: true', "required: 'no'"));
      const result = await cli('validate', '--json');
      expect(result.code).toBe(2);
      const report = json(result.stdout);
      expect(report.valid).toBe(false);
      expect(report.problems).toEqual(
        expect.arrayContaining([
          { file: expect.stringMatching(/customers\.yaml$/), line: expect.any(Number), column: expect.any(Number), pointer: '/fields/name/required', message: "must be true or false (got 'yes')" },
          { file: expect.stringMatching(/customers\.yaml$/), line: expect.any(Number), column: expect.any(Number), pointer: expect.stringMatching(/^\/fields\/\w+\/required$/), message: "must be true or false (got 'no')" },
        ]),
      );
      expect(report.problems).toHaveLength(2);
      expect(report.problems.every((p: { line: number }) => p.line > 0)).toBe(true);
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^cutover: the configuration is invalid \(\d+ problems, listed in the JSON on stdout\); nothing was run$/)]);
    } finally {
      await writeFile(file, text);
    }
  });

  it('run --json: the run id, its status and the ledger per entity, every row accounted for', async () => {
    const result = await cli('run', '--json');
    expect(result.code, result.stderr).toBe(0);
    const run = json(result.stdout);
    expect(run).toMatchObject({ runId: expect.any(Number), mode: 'incremental', status: 'succeeded', accounted: true, seconds: expect.any(Number) });
    expect(run.entities.map((e: { entity: string }) => e.entity)).toEqual(['customers', 'opportunities', 'tickets']);
    for (const entity of run.entities) {
      expect(entity).toMatchObject({ status: 'succeeded', unaccounted: 0, lastCommitAt: expect.stringMatching(ISO_TIME) });
      expect(entity.read).toBe(entity.inserted + entity.updated + entity.unchanged + entity.merged + entity.rejected + entity.filtered);
    }
    expect(run.entities[0].read).toBe(300);

    const again = json((await cli('run', '--json')).stdout);
    expect(again.runId).toBe(run.runId + 1);
    expect(again.entities.map((e: { inserted: number; updated: number }) => e.inserted + e.updated)).toEqual([0, 0, 0]);
  });

  it('status --json and plan --json carry times as ISO 8601 with offset', async () => {
    const status = json((await cli('status', '--json')).stdout);
    expect(status.runs.length).toBeGreaterThanOrEqual(2);
    for (const run of status.runs) {
      expect(run.startedAt).toMatch(ISO_TIME);
      expect(run.finishedAt).toMatch(ISO_TIME);
      expect(Date.parse(run.finishedAt)).toBeGreaterThanOrEqual(Date.parse(run.startedAt));
    }
    for (const ledger of status.lastRun) expect(ledger.lastCommitAt).toMatch(ISO_TIME);
    const plan = await cli('plan', '--json');
    expect(plan.code, plan.stderr).toBe(0);
    expect(json(plan.stdout)).toBeTypeOf('object');
    expect(await cli('plan', '--json', '--format', 'terminal')).toMatchObject({ code: 2, stderr: 'cutover: `--json` and `--format terminal` contradict each other; give one of them\n' });
  });

  it('rejects list --json: the rejects as an array, at most --limit of them', async () => {
    const result = await cli('rejects', 'list', '--json', '--limit', '3');
    expect(result.code, result.stderr).toBe(0);
    const rejects = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(rejects.length).toBe(3);
    for (const reject of rejects) expect(reject).toMatchObject({ entity: expect.any(String), stage: expect.any(String), reason: expect.any(String), updatedAt: expect.stringMatching(ISO_TIME) });
  });
});

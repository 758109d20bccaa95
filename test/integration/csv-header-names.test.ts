/**
 * Header names as people type them, through `cutover run`: `id, name ,email` loads `name` with
 * one warning naming the cells that had spaces; a mapping that still says `from: " name"` is told,
 * quoted, what the file has and what to write; two names equal once trimmed stop the run.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { packagePath } from '../../pipelines/package-root.js';
import { runCli } from '../support/cli.js';
import { createPostgresDatabase, describeWith, queryPostgres, type TestDatabase } from '../support/databases.js';

const HEADER = 'id,name,email,country,revenue,created_at';

describeWith(['postgres'])('CSV header names with spaces around them', () => {
  let target: TestDatabase;
  let project: string;
  const run = () => runCli(['run', '-p', project, '--no-progress'], { env: { NEWCRM_URL: target.url } });
  const edit = async (file: string, from: string, to: string) => {
    const text = await readFile(path.join(project, file), 'utf8');
    expect(text).toContain(from);
    await writeFile(path.join(project, file), text.replace(from, to));
  };

  beforeEach(async () => {
    target = await createPostgresDatabase('cutover_header_names');
    project = await mkdtemp(path.join(tmpdir(), 'cutover-header-names-'));
    await cp(packagePath('test', 'fixtures', 'bad-inputs', 'base'), project, { recursive: true });
  });
  afterEach(async () => {
    await target?.drop();
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('are trimmed: the rows load, and one warning names the cells as written', async () => {
    await edit('export/customers.csv', HEADER, 'id, name ,email,\tcountry,revenue,created_at');
    const result = await run();
    expect(result.code, result.stderr).toBe(0);
    const warnings = result.stderr.split('\n').filter((line) => line.includes('had spaces around'));
    expect(warnings).toEqual([expect.stringMatching(/ WARN +customers: source legacy\/customers: header names ` name `, `\\tcountry` had spaces around them, trimmed to `name`, `country`$/)]);
    expect((await queryPostgres(target.url, 'SELECT name, country FROM customers ORDER BY legacy_id')).map((row) => row.country)).toEqual(['CN', 'DE', 'CN', 'DE']);
  });

  it('tells a mapping that names the untrimmed header what the file has, quoted, and what to write', async () => {
    await edit('export/customers.csv', HEADER, 'id, name,email,country,revenue,created_at');
    await edit('customers.yaml', 'name: { from: name,', 'name: { from: " name",');
    const result = await run();
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n').filter((line) => !/^\d\d:\d\d:\d\d /.test(line))).toEqual([
      expect.stringMatching(/^cutover: .*customers\.yaml: source legacy\/customers has no column ` name` \(it has: `id`, `name`, `email`, `country`, `revenue`, `created_at`\)$/),
      '  header names are trimmed: write `from: name` in the mapping; nothing was written',
    ]);
    expect(await queryPostgres(target.url, "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'customers'")).toEqual([{ n: 0 }]);
  });

  it('that are equal once trimmed stop the run in one line, exit 2', async () => {
    await edit('export/customers.csv', HEADER, 'id,name,email,country,revenue, name');
    const result = await run();
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n').filter((line) => !/^\d\d:\d\d:\d\d /.test(line))).toEqual([
      expect.stringMatching(/^cutover: .*customers\.csv:1: the header has duplicate column names `name` \(positions 2, 6; written `name`, ` name`\); every row would be ambiguous\. Name each column once in the file's header$/),
    ]);
  });
});

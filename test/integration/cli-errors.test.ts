/**
 * What a user sees when something is wrong before any row moves: a broken mapping names the file,
 * line and JSON pointer; a wrong password or an unreachable server gives one line naming host,
 * port and database, never the password. Exit code 2 each time, and nothing written.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { writeLegacyExport } from '../../scripts/legacy-crm/write-export.js';
import { copyExampleProject, runCli } from '../support/cli.js';
import { createMysqlDatabase, createPostgresDatabase, describeWith, queryPostgres, type TestDatabase } from '../support/databases.js';

const PASSWORD = 'Tr0ub4dor-and-3';

describeWith(['mysql', 'postgres'])('cutover on a broken project or a dead connection', () => {
  let legacy: TestDatabase;
  let newcrm: TestDatabase;
  let project: Awaited<ReturnType<typeof copyExampleProject>>;
  const env = () => ({ LEGACY_URL: legacy.url, NEWCRM_URL: newcrm.url });

  beforeAll(async () => {
    [legacy, newcrm] = await Promise.all([createMysqlDatabase('cutover_cli_legacy'), createPostgresDatabase('cutover_cli_newcrm')]);
  });
  afterAll(async () => {
    await Promise.all([legacy?.drop(), newcrm?.drop()]);
  });
  beforeEach(async () => {
    project = await copyExampleProject();
  });
  afterEach(async () => {
    await project.remove();
  });

  /** Tables in the target database, outside the system schemas. */
  async function targetTables(): Promise<string[]> {
    const rows = await queryPostgres(
      newcrm.url,
      "SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
    );
    return rows.map((r) => String(r.name));
  }

  /** Replaces `from` in a mapping file of the copied project; returns the 1-based line of the change. */
  async function breakFile(file: string, from: string, to: string): Promise<number> {
    const location = path.join(project.dir, file);
    const text = await readFile(location, 'utf8');
    expect(text).toContain(from);
    await writeFile(location, text.replace(from, to));
    return text.slice(0, text.indexOf(from)).split('\n').length;
  }

  it.each([
    ['an unknown transform', 'transforms: [trim, upper]', 'transforms: [trim, uper]', /\/fields\/customer_no\/transforms\/1  unknown transform `uper`; did you mean `upper`\?/],
    ['a wrong type', 'required: true', "required: 'yes'", /\/fields\/name\/required  must be true or false \(got 'yes'\)/],
    ['bad YAML', 'fields:', 'fields: [', /YAML syntax/],
  ])('reports %s with file, line and pointer, exits 2 in validate and run, and writes nothing', async (_name, from, to, message) => {
    const line = await breakFile('customers.yaml', from, to);
    for (const command of ['validate', 'run']) {
      const result = await runCli([command, '-p', project.dir], { env: env() });
      expect(result.code, command).toBe(2);
      const problems = result.stderr.split('\n').filter((l) => l.includes('customers.yaml:'));
      expect(problems.length, result.stderr).toBe(1);
      expect(problems[0]).toMatch(new RegExp(`customers\\.yaml:(${[0, 1, 2, 3].map((d) => line + d).join("|")}):\\d+  `));
      expect(problems[0]).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(await targetTables()).toEqual([]);
  });

  it('names host, port and database of a source that refuses the password, on one line, without the password', async () => {
    const url = new URL(legacy.url);
    url.password = PASSWORD;
    const result = await runCli(['run', '-p', project.dir], { env: { ...env(), LEGACY_URL: url.toString() } });
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^cutover: MySQL 127\\.0\\.0\\.1:3306/${legacy.name}: access denied`));
    expect(result.stderr + result.stdout).not.toContain(PASSWORD);
    expect(await readFile(path.join(project.dir, '.cutover', 'cutover.log'), 'utf8')).not.toContain(PASSWORD);
    expect(await targetTables()).toEqual([]);
  });

  it('names host, port and database of a target nobody listens on, on one line, without the password', async () => {
    const result = await runCli(['run', '-p', project.dir], { env: { ...env(), NEWCRM_URL: `postgres://migrator:${PASSWORD}@127.0.0.1:1/newcrm` } });
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([expect.stringMatching(/^cutover: PostgreSQL 127\.0\.0\.1:1\/newcrm: connection refused/)]);
    expect(result.stderr + result.stdout).not.toContain(PASSWORD);
  });

  it('names a mapped column the source lacks and writes nothing', async () => {
    // The export files, not the (empty) MariaDB database: the table is there, one column is not.
    await writeLegacyExport(path.join(project.dir, 'legacy-export'), { customers: 200, opportunities: 100, tickets: 100 });
    await breakFile('customers.yaml', 'customer_no: { from: customer_no,', 'customer_no: { from: customer_number,');
    const result = await runCli(['run', '-p', project.dir], { env: { NEWCRM_URL: newcrm.url } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^cutover: .*customers\.yaml: source legacy\/customers has no column `customer_number` \(it has: `id`, `customer_no`, /m);
    expect(await targetTables()).toEqual([]);
  });
});

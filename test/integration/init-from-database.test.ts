/**
 * `cutover init` against real databases: the sample legacy CRM seeded into MariaDB, and the
 * SuiteCRM 7.11 schema (220 MyISAM/InnoDB tables, no foreign keys declared) with a few rows. Each
 * generated project validates, runs into PostgreSQL and reconciles with nothing unaccounted.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { packagePath } from '../../pipelines/package-root.js';
import { seedLegacyMysql, type SeedSummary } from '../../scripts/seed-legacy-mysql.js';
import { runCli, type CliResult } from '../support/cli.js';
import { createMysqlDatabase, createPostgresDatabase, describeWith, withMysqlAdmin, type TestDatabase } from '../support/databases.js';
import { expectProjectRuns, schemaReferenceOf } from '../support/generated-project.js';

/** shared/ lies beside the checkout (CI, the main checkout) or beside the folder of worktrees. */
const SUITECRM_SCHEMA = [path.resolve(packagePath(), '..', 'shared'), path.resolve(packagePath(), '..', '..', 'shared')]
  .map((shared) => path.join(shared, 'data', 'suitecrm-7.11-schema', 'schema.mysql.sql'))
  .find((file) => existsSync(file)) ?? 'shared/data/suitecrm-7.11-schema/schema.mysql.sql (not found beside the checkout)';

/** One field of a mapping file, as the loader reads it. */
function fieldOf(mapping: string, field: string): unknown {
  return (parse(mapping) as { fields: Record<string, unknown> }).fields[field];
}

describeWith(['mysql', 'postgres'])('cutover init from the legacy CRM in MariaDB', () => {
  let legacy: TestDatabase;
  let target: TestDatabase;
  let seed: SeedSummary;
  let dir: string;
  let init: CliResult;
  const read = (file: string) => readFile(path.join(dir, file), 'utf8');

  beforeAll(async () => {
    [legacy, target] = await Promise.all([createMysqlDatabase('cutover_init_legacy'), createPostgresDatabase('cutover_init_newcrm')]);
    seed = await seedLegacyMysql(legacy.url, { customers: 200, opportunities: 300, tickets: 400 });
    dir = path.join(await mkdtemp(path.join(tmpdir(), 'cutover-init-')), 'project');
    init = await runCli(['init', '--from', legacy.url, '--to', dir, '--target', target.url]);
  });

  afterAll(async () => {
    await Promise.all([legacy?.drop(), target?.drop(), dir && rm(path.dirname(dir), { recursive: true, force: true })]);
  });

  it('writes cutover.yaml, a mapping and a migration per table, parents first', async () => {
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/a project of 3 entities from MySQL 127\.0\.0\.1:3306\/cutover_init_legacy/);
    const project = await read('cutover.yaml');
    expect(project).toContain('entities:\n  - customers.yaml\n  - opportunities.yaml\n  - tickets.yaml\n');
    expect(project).toContain(`legacy: "\${LEGACY_URL:-${legacy.url}}"`);
    expect(project).toContain('newcrm: "${NEWCRM_URL:-postgres://');
    for (const file of ['migrations/001_customers.sql', 'migrations/002_opportunities.sql', 'migrations/003_tickets.sql']) expect((await stat(path.join(dir, file))).isFile()).toBe(true);
  });

  it('suggests what the columns hold: cursor, soft delete, e-mails, phones, dates, decimals, codes, lookups', async () => {
    const customers = await read('customers.yaml');
    expect(customers).toMatch(/# cursor: updated_at \(datetime, indexed, NOT NULL\)/);
    expect(customers).toContain('cursor: updated_at');
    expect(customers).toContain('soft_delete: { column: deleted }');
    expect(customers).toMatch(/email: \{ from: email, transforms: \[\{ nullif: \[[^\]]*n\/a[^\]]*\] \}, email\] \}/);
    expect(customers).toContain('phone: { from: phone, transforms: [{ phone: { default_country: CN } }] }');
    expect(customers).toContain('annual_revenue: { from: annual_revenue, transforms: [{ decimal: { scale: 2 } }] }');
    // Free-text dates in several formats: each format found is listed.
    expect(customers).toMatch(/created_at:\n\s+from: created_at\n\s+transforms:\n\s+- \{ datetime: \{ formats: \["yyyy\/MM\/dd HH:mm", "dd\/MM\/yyyy HH:mm", "yyyy'年'M'月'd'日' HH:mm"\], tz: UTC \} \}/);
    // The status codes found, as a value map.
    const status = fieldOf(customers, 'status');
    expect(status).toMatchObject({ from: 'status', required: true, transforms: [{ map: { A: 'A', I: 'I', P: 'P', L: 'L' }, unknown: 'reject' }] });
    const opportunities = await read('opportunities.yaml');
    expect(opportunities).toContain('customer_id: { from: customer_id, lookup: customers }');
    expect(opportunities).toMatch(/# no foreign key is declared: `customer_id` is read as a reference to customers\.id by its name/);
    expect(await read('migrations/002_opportunities.sql')).toMatch(/customer_id +uuid REFERENCES customers \(id\)/);
  });

  it('references the format schemas shipped in the package, from wherever the project is', async () => {
    expect(path.basename(await schemaReferenceOf(path.join(dir, 'cutover.yaml')))).toBe('project.schema.json');
    expect(path.basename(await schemaReferenceOf(path.join(dir, 'customers.yaml')))).toBe('mapping.schema.json');
  });

  it('validates, runs into PostgreSQL and reconciles with nothing unaccounted', async () => {
    const entities = await expectProjectRuns(dir);
    expect(entities.map((e) => [e.entity, e.source])).toEqual([['customers', seed.counts.customers], ['opportunities', seed.counts.opportunities], ['tickets', seed.counts.tickets]]);
    expect(entities.every((e) => e.loaded > 0)).toBe(true);
  });

  it('never overwrites a project without --force', async () => {
    const before = await read('customers.yaml');
    const again = await runCli(['init', '--from', legacy.url, '--to', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a project \(cutover\.yaml, .*\); nothing was written\n  pass --force to replace those files, or --to another folder\n$/);
    expect(await read('customers.yaml')).toBe(before);
    const forced = await runCli(['init', '--from', legacy.url, '--to', dir, '--tables', 'customers', '--force']);
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('left in place in migrations/: 002_opportunities.sql, 003_tickets.sql');
  });

  it('names an unknown table in one line', async () => {
    const result = await runCli(['init', '--from', legacy.url, '--to', `${dir}-other`, '--tables', 'customers,accounts']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('cutover: MySQL 127.0.0.1:3306/' + legacy.name + ' has no table `accounts`; it holds customers, opportunities, tickets\n  check --tables (comma-separated table names)\n');
  });
});

describeWith(['mysql', 'postgres'])('cutover init from the SuiteCRM 7.11 schema in MariaDB', () => {
  let legacy: TestDatabase;
  let target: TestDatabase;
  let dir: string;
  let init: CliResult;
  const read = (file: string) => readFile(path.join(dir, file), 'utf8');

  beforeAll(async () => {
    [legacy, target] = await Promise.all([createMysqlDatabase('cutover_init_suitecrm'), createPostgresDatabase('cutover_init_suite_newcrm')]);
    const schema = await readFile(SUITECRM_SCHEMA, 'utf8');
    await withMysqlAdmin(async (connection) => {
      await connection.query(schema);
      await connection.query(`
        INSERT INTO accounts (id, name, date_entered, date_modified, deleted, account_type, industry, billing_address_city, phone_office) VALUES
          ('a1', 'Acme Corp', '2019-03-01 09:00:00', '2020-01-05 10:00:00', 0, 'Customer', 'Retail', 'Springfield', '+1 415 555 0100'),
          ('a2', 'Globex', '2019-04-01 09:00:00', '2020-02-05 10:00:00', 0, 'Customer', 'Energy', 'Shelbyville', '+1 415 555 0101'),
          ('a3', 'Initech', '2019-05-01 09:00:00', '2020-03-05 10:00:00', 0, 'Prospect', 'Technology', 'Austin', '+1 512 555 0102'),
          ('a4', 'Gone Ltd', '2019-06-01 09:00:00', '2020-04-05 10:00:00', 1, 'Customer', 'Retail', 'Austin', NULL);
        INSERT INTO contacts (id, first_name, last_name, date_entered, date_modified, deleted, phone_work, lead_source, birthdate) VALUES
          ('c1', 'Ann', 'Lee', '2019-03-02 09:00:00', '2020-01-06 10:00:00', 0, '+1 415 555 0110', 'Web Site', '1980-02-29'),
          ('c2', 'Bo', 'Chen', '2019-03-03 09:00:00', '2020-01-07 10:00:00', 0, '+1 415 555 0111', 'Cold Call', NULL),
          ('c3', 'Cy', 'Ng', '2019-03-04 09:00:00', '2020-01-08 10:00:00', 0, NULL, 'Web Site', '1975-07-01');
        INSERT INTO opportunities (id, name, date_entered, date_modified, deleted, amount, amount_usdollar, date_closed, sales_stage, probability) VALUES
          ('o1', 'Acme renewal', '2019-07-01 09:00:00', '2020-05-01 10:00:00', 0, 12000.5, 12000.5, '2020-06-30', 'Closed Won', 100),
          ('o2', 'Globex pilot', '2019-08-01 09:00:00', '2020-05-02 10:00:00', 0, 800, 800, '2020-09-30', 'Prospecting', 10);
        INSERT INTO cases (id, name, date_entered, date_modified, deleted, case_number, type, status, priority, account_id, state) VALUES
          ('k1', 'Login fails', '2020-01-01 09:00:00', '2020-01-02 10:00:00', 0, 1, 'User', 'Open_New', 'P1', 'a1', 'Open'),
          ('k2', 'Invoice wrong', '2020-01-03 09:00:00', '2020-01-04 10:00:00', 0, 2, 'Administration', 'Closed_Closed', 'P2', 'a2', 'Closed'),
          ('k3', 'No account', '2020-01-05 09:00:00', '2020-01-06 10:00:00', 0, 3, 'User', 'Open_New', 'P3', NULL, 'Open'),
          ('k4', 'Of a deleted account', '2020-01-07 09:00:00', '2020-01-08 10:00:00', 0, 4, 'User', 'Open_New', 'P1', 'a4', 'Open');`);
    }, legacy.url);
    dir = path.join(await mkdtemp(path.join(tmpdir(), 'cutover-init-')), 'suitecrm');
    init = await runCli(['init', '--from', legacy.url, '--to', dir, '--target', target.url, '--tables', 'cases,contacts,opportunities,accounts']);
  });

  afterAll(async () => {
    await Promise.all([legacy?.drop(), target?.drop(), dir && rm(path.dirname(dir), { recursive: true, force: true })]);
  });

  it('writes the tables asked for, accounts before the cases that refer to them by name', async () => {
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(await read('cutover.yaml')).toContain('entities:\n  - contacts.yaml\n  - opportunities.yaml\n  - accounts.yaml\n  - cases.yaml\n');
    const cases = await read('cases.yaml');
    expect(cases).toContain('account_id: { from: account_id, lookup: accounts }');
    expect(cases).toContain('soft_delete: { column: deleted }');
    expect(cases).toMatch(/# cursor: date_modified \(datetime, not indexed: add an index on it, or each incremental run scans the table, nullable\)/);
    expect(cases).toContain('case_number: { from: case_number, required: true }');
    const accounts = await read('accounts.yaml');
    expect(accounts).toContain('phone_office: { from: phone_office, transforms: [{ phone: { default_country: US } }] }');
    // A dropdown's values repeat: a code. Names do not.
    expect(fieldOf(accounts, 'account_type')).toEqual({ from: 'account_type', transforms: [{ map: { Customer: 'Customer', Prospect: 'Prospect' }, unknown: 'reject' }] });
    expect(accounts).toMatch(/# varchar\(150\): text, moved as it is\n  name: \{ from: name \}/);
    expect(await read('opportunities.yaml')).toContain('date_closed: { from: date_closed, transforms: [date] }');
    expect(await read('migrations/002_opportunities.sql')).toMatch(/\n  amount +double precision,\n/);
  });

  it('validates, runs into PostgreSQL and reconciles: the case of a deleted account is rejected as an orphan', async () => {
    const entities = await expectProjectRuns(dir);
    expect(entities.map((e) => [e.entity, e.source, e.loaded])).toEqual([['contacts', 3, 3], ['opportunities', 2, 2], ['accounts', 4, 3], ['cases', 4, 3]]);
    const rejects = await runCli(['rejects', 'list', '-p', dir, '--entity', 'cases']);
    expect(rejects.code).toBe(0);
    expect(rejects.stdout).toMatch(/^cases\s+k4\s+resolve\s+field `account_id`: accounts 'a4'/m);
  });
});

/**
 * `cutover init` from an export folder (CSV, XLSX and JSON Lines written by the legacy CRM's
 * export) into the embedded PGlite default, and from a PostgreSQL source whose foreign keys are
 * declared. Each generated project validates, runs and reconciles with nothing unaccounted.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writeLegacyExport, type LegacyExport } from '../../scripts/legacy-crm/write-export.js';
import { runCli, type CliResult } from '../support/cli.js';
import { createPostgresDatabase, describeWith, queryPostgres, type TestDatabase } from '../support/databases.js';
import { expectProjectRuns, schemaReferenceOf } from '../support/generated-project.js';

function fieldOf(mapping: string, field: string): unknown {
  return (parse(mapping) as { fields: Record<string, unknown> }).fields[field];
}

describe('cutover init from an export folder (CSV, XLSX, JSON Lines)', () => {
  let root: string;
  let exported: LegacyExport;
  let init: CliResult;
  const read = (file: string) => readFile(path.join(root, 'project', file), 'utf8');

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'cutover-init-export-'));
    exported = await writeLegacyExport(path.join(root, 'legacy-export'), { customers: 200, opportunities: 300, tickets: 400 });
    // A relative URL, as a person types it: relative to where init runs.
    init = await runCli(['init', '--from', 'file://./legacy-export', '--to', 'project'], { cwd: root });
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes a project whose source is the folder, relative to the project, and leaves out what is not a table', async () => {
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/left out: ground-truth \(has no columns\)/);
    const project = await read('cutover.yaml');
    expect(project).toContain('legacy: "${LEGACY_URL:-file://../legacy-export}"');
    expect(project).toContain('newcrm: "${NEWCRM_URL:-pglite://./.cutover/newcrm}"');
    expect(project).toContain('entities:\n  - customers.yaml\n  - opportunities.yaml\n  - tickets.yaml\n');
    expect(path.basename(await schemaReferenceOf(path.join(root, 'project', 'tickets.yaml')))).toBe('mapping.schema.json');
  });

  it('judges each file by its values: CSV text, Excel cells and JSON numbers alike', async () => {
    const customers = await read('customers.yaml');
    expect(customers).toMatch(/# `id` is the key: its name says so, unique in the 200 rows sampled\n  key: id\n  # export files are read whole on every run \(no cursor\)/);
    expect(fieldOf(customers, 'email')).toMatchObject({ from: 'email', transforms: [{ nullif: expect.arrayContaining(['n/a']) }, 'email'] });
    expect(fieldOf(customers, 'updated_at')).toEqual({ from: 'updated_at', transforms: [{ datetime: { tz: 'UTC' } }] });
    const opportunities = await read('opportunities.yaml');
    expect(fieldOf(opportunities, 'customer_id')).toEqual({ from: 'customer_id', lookup: 'customers' });
    expect(fieldOf(opportunities, 'close_date')).toMatchObject({ from: 'close_date', transforms: [{ date: { formats: expect.arrayContaining(['dd/MM/yyyy']) } }] });
    const tickets = await read('tickets.yaml');
    expect(fieldOf(tickets, 'status')).toEqual({ from: 'status' });
    expect(await read('migrations/003_tickets.sql')).toMatch(/\n  status +bigint,\n/);
    expect(fieldOf(tickets, 'priority')).toEqual({ from: 'priority', transforms: [{ map: { M: 'M', L: 'L', H: 'H', U: 'U' }, unknown: 'reject' }] });
  });

  it('validates, runs into the embedded PGlite default and reconciles with nothing unaccounted', async () => {
    const entities = await expectProjectRuns(path.join(root, 'project'));
    expect(entities.map((e) => [e.entity, e.source])).toEqual([['customers', exported.counts.customers], ['opportunities', exported.counts.opportunities], ['tickets', exported.counts.tickets]]);
  });
});

describeWith(['postgres'])('cutover init from PostgreSQL with declared foreign keys', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let dir: string;
  let init: CliResult;
  const read = (file: string) => readFile(path.join(dir, file), 'utf8');

  beforeAll(async () => {
    [source, target] = await Promise.all([createPostgresDatabase('cutover_init_pgsource'), createPostgresDatabase('cutover_init_pgtarget')]);
    await queryPostgres(source.url, `
      CREATE TABLE company (id serial PRIMARY KEY, name text NOT NULL, revenue numeric(12, 2), is_deleted boolean NOT NULL DEFAULT false,
                            modified_at timestamptz NOT NULL DEFAULT now());
      CREATE INDEX company_modified ON company (modified_at, id);
      CREATE TABLE person (id bigint PRIMARY KEY, employer integer REFERENCES company (id), email text, born date, active boolean, updated_at timestamp);
      INSERT INTO company (name, revenue, is_deleted) VALUES ('Acme', 1200.50, false), ('Globex', NULL, false), ('Gone', 10, true);
      INSERT INTO person VALUES (1, 1, 'ann@example.com', '1980-02-29', true, '2024-01-01 10:00:00'), (2, 2, NULL, NULL, false, NULL), (3, NULL, 'bo@example.com', '1975-07-01', NULL, '2024-01-02 10:00:00');`);
    dir = path.join(await mkdtemp(path.join(tmpdir(), 'cutover-init-')), 'project');
    // The children first: init orders them after their parents.
    init = await runCli(['init', '--from', source.url, '--to', dir, '--target', target.url, '--tables', 'person,company']);
  });

  afterAll(async () => {
    await Promise.all([source?.drop(), target?.drop(), dir && rm(path.dirname(dir), { recursive: true, force: true })]);
  });

  it('reads keys, foreign keys, indexes and types from the catalog', async () => {
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(await read('cutover.yaml')).toContain('# Parents first: person looks up company.\nentities:\n  - company.yaml\n  - person.yaml\n');
    const company = await read('company.yaml');
    expect(company).toMatch(/# cursor: modified_at \(timestamp with time zone, indexed, NOT NULL\)/);
    expect(company).toContain('soft_delete: { column: is_deleted }');
    expect(fieldOf(company, 'revenue')).toEqual({ from: 'revenue', transforms: [{ decimal: { scale: 2 } }] });
    const person = await read('person.yaml');
    expect(person).toContain('# foreign key to company.id: the legacy key becomes that row\'s new id; an orphan rejects its row\n  employer: { from: employer, lookup: company }');
    expect(fieldOf(person, 'active')).toEqual({ from: 'active', transforms: ['boolean'] });
    expect(await read('migrations/001_company.sql')).toMatch(/\n  revenue +numeric\(12, 2\),\n/);
    expect(await read('migrations/002_person.sql')).toMatch(/\n  employer +uuid REFERENCES company \(id\),\n/);
  });

  it('validates, runs into PostgreSQL and reconciles with nothing unaccounted', async () => {
    const entities = await expectProjectRuns(dir);
    expect(entities.map((e) => [e.entity, e.source, e.loaded])).toEqual([['company', 3, 2], ['person', 3, 3]]);
  });
});

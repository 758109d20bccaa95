/**
 * The progress output of `cutover run` shows a percentage and ETA wherever a total can be had:
 * a CSV export by bytes read against its size (from the first batch, marked `~`), a MariaDB
 * incremental run by an exact count of the rows after the watermark, a PostgreSQL source by its
 * count on a first load and by its statistics (then a count) on a full re-read.
 * `CUTOVER_PROGRESS=lines` prints it as plain lines where stderr is not a terminal, as here.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_TABLES } from '../../scripts/legacy-crm/legacy-schema.js';
import { copyExampleProject, runCli } from '../support/cli.js';
import { createPostgresDatabase, describeWith, queryPostgres, withPostgresAdmin, type TestDatabase } from '../support/databases.js';
import { createMigrationSetup, type MigrationSetup } from '../support/migration-setup.js';

const LINES = { CUTOVER_PROGRESS: 'lines' };
/** `progress customers  400 of ~1,000 rows  2,000 rows/s  ~40%  ETA 0:01`, parsed. */
const PROGRESS = /^\d\d:\d\d:\d\d progress customers {2}([\d,]+)(?: of (~?)([\d,]+))? rows {2}[\d,]+ rows\/s(?: {2}(~?)(\d+)%  ETA (\S+))?$/;

interface ProgressLine {
  readonly read: number;
  readonly total: number | null;
  readonly totalApproximate: boolean;
  readonly percent: number | null;
  readonly approximate: boolean;
}

function progressLines(stderr: string): ProgressLine[] {
  return stderr.split('\n').flatMap((line) => {
    const match = PROGRESS.exec(line);
    if (!match) return [];
    const number = (text: string | undefined) => (text === undefined ? null : Number(text.replaceAll(',', '')));
    return [{ read: number(match[1])!, total: number(match[3]), totalApproximate: match[2] === '~', percent: number(match[5]), approximate: match[4] === '~' }];
  });
}

/** The example project's customers in batches of `rows`, without the de-duplication (not what is tested here). */
async function smallBatches(projectDir: string, rows: number): Promise<void> {
  const config = path.join(projectDir, 'cutover.yaml');
  await writeFile(config, (await readFile(config, 'utf8')).replace('batch_size: 2000', `batch_size: ${rows}`));
  const mapping = path.join(projectDir, 'customers.yaml');
  const text = await readFile(mapping, 'utf8');
  await writeFile(mapping, text.slice(0, text.indexOf('\ndedupe:')));
}

const customer = (id: number): Record<string, string> => ({
  id: String(id), customer_no: `C-${String(id).padStart(6, '0')}`, name: `Dalian Jiuqiao Consulting ${id}`, contact_first_name: 'Gang', contact_last_name: 'Hu',
  email: `gang.hu${id}@example.com`, phone: '', mobile: '', country: 'China', province: 'Liaoning', city: 'Dalian', address: '58 Renmin Road Zhongshan District',
  industry: 'Consulting', status: 'A', annual_revenue: '', employees: '', created_at: '2016-02-04 10:58', updated_at: '2019-03-05 14:22:10', deleted: '0',
  notes: 'Quotes by WeChat only; the contract is renewed every spring',
});
const COLUMNS = LEGACY_TABLES.customers.columns.map((c) => c.name);

describeWith(['postgres'])('progress of a CSV export', () => {
  let project: { dir: string; remove(): Promise<void> };
  let folder: string;
  let target: TestDatabase;

  beforeAll(async () => {
    [project, target] = await Promise.all([copyExampleProject(), createPostgresDatabase('progress_csv')]);
    folder = await mkdtemp(path.join(tmpdir(), 'cutover-progress-csv-'));
    await smallBatches(project.dir, 200);
    // 2,000 rows of about 330 bytes: some 10 chunks of 64 KiB.
    const lines = [COLUMNS.join(','), ...Array.from({ length: 2_000 }, (_, i) => COLUMNS.map((c) => customer(i + 1)[c]).join(','))];
    await writeFile(path.join(folder, 'customers.csv'), lines.join('\n') + '\n');
    for (const table of ['opportunities', 'tickets'] as const) await writeFile(path.join(folder, `${table}.csv`), LEGACY_TABLES[table].columns.map((c) => c.name).join(',') + '\n');
  });
  afterAll(async () => {
    await Promise.all([project?.remove(), folder ? rm(folder, { recursive: true, force: true }) : undefined, target?.drop()]);
  });

  it('shows an approximate percentage from the first batch, by bytes read against the file size', async () => {
    const result = await runCli(['run', 'customers', '-p', project.dir], { env: { LEGACY_URL: `file://${folder}`, NEWCRM_URL: target.url, ...LINES } });
    expect(result.code, result.stderr).toBe(0);
    const lines = progressLines(result.stderr);
    expect(lines[0], result.stderr).toMatchObject({ read: 200, total: null, approximate: true });
    expect(lines[0]!.percent).toBeGreaterThan(0);
    expect(lines[0]!.percent).toBeLessThan(50);
    expect(result.stderr).not.toContain('\r');
    const [loaded] = await queryPostgres(target.url, 'SELECT count(*)::int AS n FROM public.customers');
    expect(loaded!.n).toBe(2_000);
  });

  it('prints nothing of it without CUTOVER_PROGRESS where stderr is not a terminal, as before', async () => {
    const result = await runCli(['run', 'customers', '-p', project.dir, '--full'], { env: { LEGACY_URL: `file://${folder}`, NEWCRM_URL: target.url } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/ progress /);
  });

  it('refuses an unknown CUTOVER_PROGRESS in one line, before anything runs', async () => {
    const result = await runCli(['run', 'customers', '-p', project.dir], { env: { LEGACY_URL: `file://${folder}`, NEWCRM_URL: target.url, CUTOVER_PROGRESS: 'always' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^cutover: Expected `CUTOVER_PROGRESS` to be one of auto, lines, off, got `always`\n/);
  });
});

describeWith(['mysql', 'postgres'])('progress of a MariaDB incremental run', () => {
  let setup: MigrationSetup;

  beforeAll(async () => {
    setup = await createMigrationSetup('cutover_progress', { customers: 1_500, opportunities: 20, tickets: 20 });
    await smallBatches(setup.projectDir, 20);
  });
  afterAll(async () => {
    await setup?.remove();
  });

  it('counts the rows after the watermark, exactly, and shows a percentage of them', async () => {
    const first = await runCli(['run', 'customers', '-p', setup.projectDir, '--quiet'], { env: setup.env() });
    expect(first.code, first.stderr).toBe(0);
    const source = await mysql.createConnection(setup.legacy.url);
    try {
      await source.query('UPDATE customers SET name = CONCAT(name, ?), updated_at = NOW() WHERE id % 3 = 0', [' (renamed)']);
    } finally {
      await source.end();
    }
    const result = await runCli(['run', 'customers', '-p', setup.projectDir], { env: { ...setup.env(), ...LINES } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/customers: incremental from /);
    const [ledger] = await setup.target("SELECT read::int AS read FROM cutover.run_ledger WHERE entity = 'customers' ORDER BY run_id DESC LIMIT 1");
    const read = Number(ledger!.read);
    // The updated rows, plus those the lookback window takes again: a part of the table, not all of it.
    expect(read).toBeGreaterThanOrEqual(500);
    expect(read).toBeLessThan(1_500);
    // The count answers beside the read (25 batches and more): from then on the line has a total.
    const counted = progressLines(result.stderr).filter((line) => line.total !== null);
    expect(counted.length, result.stderr).toBeGreaterThan(0);
    for (const line of counted) {
      expect(line).toMatchObject({ total: read, totalApproximate: false, approximate: false });
      expect(line.percent).toBe(Math.floor((line.read / read) * 100));
    }
  });
});

describeWith(['postgres'])('progress of a PostgreSQL source', () => {
  let legacy: TestDatabase;
  let target: TestDatabase;
  let project: { dir: string; remove(): Promise<void> };
  const env = () => ({ LEGACY_URL: legacy.url, NEWCRM_URL: target.url, ...LINES });

  beforeAll(async () => {
    [legacy, target, project] = await Promise.all([createPostgresDatabase('progress_legacy'), createPostgresDatabase('progress_newcrm'), copyExampleProject()]);
    await smallBatches(project.dir, 100);
    await withPostgresAdmin(async (client) => {
      const type = (name: string) => (name === 'id' ? 'int PRIMARY KEY' : name === 'updated_at' ? 'timestamp NOT NULL' : name === 'deleted' ? 'int NOT NULL' : 'text');
      await client.query(`CREATE TABLE customers (${COLUMNS.map((name) => `${name} ${type(name)}`).join(', ')})`);
      await client.query(`CREATE TABLE opportunities (${LEGACY_TABLES.opportunities.columns.map((c) => `${c.name} ${type(c.name)}`).join(', ')})`);
      await client.query(`CREATE TABLE tickets (${LEGACY_TABLES.tickets.columns.map((c) => `${c.name} ${type(c.name)}`).join(', ')})`);
      const rows = Array.from({ length: 1_000 }, (_, i) => customer(i + 1));
      await client.query(
        `INSERT INTO customers SELECT * FROM json_populate_recordset(NULL::customers, $1)`,
        [JSON.stringify(rows.map((row) => ({ ...row, id: Number(row.id), deleted: 0 })))],
      );
    }, legacy.url);
  });
  afterAll(async () => {
    await Promise.all([legacy?.drop(), target?.drop(), project?.remove()]);
  });

  it('on a first load: the exact count, before the first batch', async () => {
    const result = await runCli(['run', 'customers', '-p', project.dir], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    const lines = progressLines(result.stderr);
    expect(lines[0], result.stderr).toEqual({ read: 100, total: 1_000, totalApproximate: false, percent: 10, approximate: false });
    const [loaded] = await queryPostgres(target.url, 'SELECT count(*)::int AS n FROM public.customers');
    expect(loaded!.n).toBe(1_000);
  });

  it('on a full re-read: the table statistics at once (~), an exact count when it answers', async () => {
    await queryPostgres(legacy.url, 'ANALYZE customers');
    const result = await runCli(['run', 'customers', '-p', project.dir, '--full'], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    const lines = progressLines(result.stderr);
    // The statistics are in before the read starts; the count may have answered by the first batch.
    expect(lines[0], result.stderr).toMatchObject({ read: 100, total: 1_000, percent: 10 });
    expect(lines[0]!.approximate).toBe(lines[0]!.totalApproximate);
  });
});

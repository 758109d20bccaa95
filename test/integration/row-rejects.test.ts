/**
 * One bad row is one reject: a value PostgreSQL cannot store (a NUL in a name or in a key, bytes
 * that are not UTF-8, a value too long for its column) rejects that row alone, with its file:line
 * and field; the other rows load, the books balance, and a second run is just as clean.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createMysqlDatabase, createPostgresDatabase, describeWith, queryPostgres, withMysqlAdmin, type TestDatabase } from '../support/databases.js';

const ROWS = 200;

const PROJECT = {
  'cutover.yaml': `name: one bad row
connections:
  legacy: \${LEGACY_URL}
  newcrm: \${NEWCRM_URL}
target:
  connection: newcrm
  migrations: ./migrations
entities:
  - customers.yaml
`,
  'customers.yaml': `entity: customers
source: { connection: legacy, table: customers, key: id }
target: { connection: newcrm, table: customers, key: legacy_id, id: id }
fields:
  legacy_id: { from: id }
  name: { from: name, required: true }
  city: { from: city }
`,
  'migrations/001_customers.sql': 'CREATE TABLE customers (id bigserial PRIMARY KEY, legacy_id text NOT NULL UNIQUE, name text NOT NULL, city varchar(20));\n',
};

/** `customers.csv` of {@link ROWS} rows; `edit` changes the bytes of the line of a row (1-based id). */
function exportFile(edit: (id: number, line: Buffer) => Buffer = (_id, line) => line): Buffer {
  const lines: Buffer[] = [Buffer.from('id,name,city\n')];
  for (let id = 1; id <= ROWS; id++) lines.push(edit(id, Buffer.from(`${id},Company ${id},Dalian\n`)));
  return Buffer.concat(lines);
}

const LEDGER = 'SELECT read::int, inserted::int, unchanged::int, rejected::int, filtered::int, merged::int FROM cutover.run_ledger WHERE run_id = (SELECT max(run_id) FROM cutover.runs)';
const REJECTS = 'SELECT ref, legacy_key, origin, stage, reason, payload FROM cutover.rejects ORDER BY length(origin), origin';

describeWith(['postgres'])('one bad row is one reject', () => {
  let folder: string;
  const databases: TestDatabase[] = [];

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'cutover-row-rejects-'));
    await mkdir(path.join(folder, 'project', 'migrations'), { recursive: true });
    for (const [name, text] of Object.entries(PROJECT)) await writeFile(path.join(folder, 'project', name), text);
  });
  afterAll(async () => {
    await Promise.all([...databases.map((d) => d.drop()), folder ? rm(folder, { recursive: true, force: true }) : undefined]);
  });

  async function exportFolder(name: string, bytes: Buffer): Promise<string> {
    const dir = path.join(folder, name);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'customers.csv'), bytes);
    return dir;
  }

  /**
   * Runs twice into one target: both runs succeed and the second finds the same rejects and
   * nothing else to do. On PostgreSQL, the reconciliation then closes too (exit 0).
   */
  async function runTwice(exportDir: string, target: { url: string } | { pglite: string }, bad: number) {
    const env = { LEGACY_URL: `file://${exportDir}`, NEWCRM_URL: 'url' in target ? target.url : `pglite://${target.pglite}` };
    const project = path.join(folder, 'project');
    const query = (texts: readonly string[]) =>
      'url' in target ? Promise.all(texts.map((text) => queryPostgres(target.url, text))) : queryPglite(target.pglite, texts);
    const first = await runCli(['run', '-p', project, '--quiet'], { env });
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    const [ledger, rejects] = await query([LEDGER, REJECTS]);
    expect(ledger).toEqual([{ read: ROWS, inserted: ROWS - bad, unchanged: 0, rejected: bad, filtered: 0, merged: 0 }]);
    const second = await runCli(['run', '-p', project, '--quiet'], { env });
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await query([LEDGER, REJECTS, 'SELECT count(*)::int AS n FROM public.customers'])).toEqual([
      [{ read: ROWS, inserted: 0, unchanged: ROWS - bad, rejected: bad, filtered: 0, merged: 0 }],
      rejects,
      [{ n: ROWS - bad }],
    ]);
    if ('url' in target) {
      const reconciled = await runCli(['reconcile', '-p', project, '--quiet'], { env });
      expect({ code: reconciled.code, stderr: reconciled.stderr }).toEqual({ code: 0, stderr: '' });
    }
    return rejects;
  }

  const nulName = (id: number) => ({
    line: `${id},Bad\u0000Name,Dalian\n`,
    reject: {
      ref: String(id),
      legacy_key: String(id),
      origin: `customers.csv:${id + 1}`,
      stage: 'validate',
      reason: expect.stringMatching(/^field `name` contains a NUL character \(U\+0000\), which PostgreSQL text cannot store/),
      payload: { id: String(id), name: 'Bad\\u0000Name', city: 'Dalian' },
    },
  });

  it('a NUL in a name, CSV into PGlite: that row of 200 is rejected with file:line and field, 199 load, twice', async () => {
    const { line, reject } = nulName(57);
    const dir = await exportFolder('nul-name', exportFile((id, text) => (id === 57 ? Buffer.from(line) : text)));
    expect(await runTwice(dir, { pglite: path.join(folder, 'newcrm-pglite') }, 1)).toEqual([reject]);
  }, 300_000);

  it('CSV into PostgreSQL: a NUL in a name, a NUL in a key, a byte not UTF-8, a value too long: each rejects its row alone', async () => {
    const latin1 = Buffer.concat([Buffer.from('120,Caf'), Buffer.from([0xe9]), Buffer.from(' Dalian,Dalian\n')]);
    const lines = new Map<number, Buffer>([
      [57, Buffer.from(nulName(57).line)],
      [90, Buffer.from('90\u0000x,Company 90,Dalian\n')],
      [120, latin1],
      [150, Buffer.from(`150,Company 150,${'Dalian '.repeat(5)}\n`)],
    ]);
    const dir = await exportFolder('bad-rows', exportFile((id, line) => lines.get(id) ?? line));
    const database = await createPostgresDatabase('row_rejects');
    databases.push(database);
    expect(await runTwice(dir, { url: database.url }, lines.size)).toEqual([
      nulName(57).reject,
      {
        ref: '@customers.csv:91',
        legacy_key: null,
        origin: 'customers.csv:91',
        stage: 'read',
        reason: expect.stringMatching(/^key `id` '90\\u0000x' contains a NUL character \(U\+0000\)/),
        payload: { id: '90\\u0000x', name: 'Company 90', city: 'Dalian' },
      },
      {
        ref: '120',
        legacy_key: '120',
        origin: 'customers.csv:121',
        stage: 'read',
        reason: expect.stringMatching(/^field `name` holds bytes that are not valid utf-8 \(0xE9\)/),
        payload: { id: '120', name: 'Caf\uFFFD Dalian', city: 'Dalian' },
      },
      {
        ref: '150',
        legacy_key: '150',
        origin: 'customers.csv:151',
        stage: 'write',
        reason: expect.stringMatching(/^the target refused the row: value too long for type character varying\(20\)/),
        payload: { id: '150', name: 'Company 150', city: 'Dalian Dalian Dalian Dalian Dalian ' },
      },
    ]);
  });
});

describeWith(['postgres', 'mysql'])('a NUL in a key of a MariaDB source', () => {
  let folder: string;
  let legacy: TestDatabase;
  let newcrm: TestDatabase;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'cutover-row-rejects-mysql-'));
    await mkdir(path.join(folder, 'migrations'), { recursive: true });
    for (const [name, text] of Object.entries(PROJECT)) await writeFile(path.join(folder, name), text.replace('entities:', 'options: { batch_size: 2 }\nentities:'));
    [legacy, newcrm] = await Promise.all([createMysqlDatabase('row_rejects'), createPostgresDatabase('row_rejects')]);
    await withMysqlAdmin(async (connection) => {
      await connection.query('CREATE TABLE customers (id VARCHAR(20) PRIMARY KEY, name VARCHAR(40) NOT NULL, city VARCHAR(40))');
      await connection.query("INSERT INTO customers VALUES ('a1', 'A', 'Dalian'), (CONCAT('b', CHAR(0), 'x'), 'B', 'Dalian')");
    }, legacy.url);
  });
  afterAll(async () => {
    await Promise.all([legacy?.drop(), newcrm?.drop(), folder ? rm(folder, { recursive: true, force: true }) : undefined]);
  });

  it('rejects that row under its position; the watermark after it is kept exactly, and the next run resumes after it', async () => {
    const env = { LEGACY_URL: legacy.url, NEWCRM_URL: newcrm.url };
    const first = await runCli(['run', '-p', folder, '--quiet'], { env });
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await queryPostgres(newcrm.url, 'SELECT ref, legacy_key, stage FROM cutover.rejects')).toEqual([
      { ref: `@${legacy.name}.customers id=b\\u0000x`, legacy_key: null, stage: 'read' },
    ]);
    await withMysqlAdmin((connection) => connection.query("INSERT INTO customers VALUES ('c3', 'C', 'Dalian')"), legacy.url);
    const second = await runCli(['run', '-p', folder, '--quiet'], { env });
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await queryPostgres(newcrm.url, LEDGER)).toEqual([{ read: 1, inserted: 1, unchanged: 0, rejected: 0, filtered: 0, merged: 0 }]);
    const reconciled = await runCli(['reconcile', '-p', folder, '--quiet'], { env });
    expect({ code: reconciled.code, stderr: reconciled.stderr }).toEqual({ code: 0, stderr: '' });
  });
});

async function queryPglite(folder: string, texts: readonly string[]): Promise<Record<string, unknown>[][]> {
  const db = new PGlite(folder);
  try {
    const results: Record<string, unknown>[][] = [];
    for (const text of texts) results.push((await db.query<Record<string, unknown>>(text)).rows);
    return results;
  } finally {
    await db.close();
  }
}

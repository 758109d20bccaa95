/**
 * Content reconciliation by key-range checksums: the canonical forms computed in JavaScript and by
 * PostgreSQL agree for every column kind, and on 100,000 rows one changed value is found by
 * bisection, named with key, field and both values, while almost no target row is read.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PgliteDialect } from '../../connectors/pglite/pglite-dialect.js';
import { loadProject } from '../../pipelines/config/load-project.js';
import { createLogger } from '../../pipelines/logger.js';
import type { TargetColumn } from '../../connectors/sink.js';
import { pgColumnKind as columnKind, rowDigestSql } from '../../connectors/sql/pg-canonical.js';
import { canonicalValue, rowDigest, rowText } from '../../pipelines/reconcile/canonical-value.js';
import { reconcileContent, type EntityContent } from '../../pipelines/reconcile/content.js';
import { ProjectSession } from '../../pipelines/session/project-session.js';
import { runCli } from '../support/cli.js';
import { createMysqlDatabase, createPostgresDatabase, describeWith, queryPostgres, withMysqlAdmin, type TestDatabase } from '../support/databases.js';

const ROWS = 100_000;

/** Values as a mapping produces them, each beside the column type it is stored in. */
const SAMPLES: { type: string; values: unknown[] }[] = [
  { type: 'text', values: ['plain', '', '  padded ', '上海市浦东新区', 'a;b:c', 'emoji 🙂', 12.5, null] },
  { type: 'varchar(40)', values: ['x', 'Zürich', null] },
  { type: 'char(3)', values: ['CN', 'USD', '', null] },
  { type: 'numeric(18,2)', values: ['1234.50', '0.00', '-0.10', '1200', 7, 0.1, '00012.30', null] },
  { type: 'numeric', values: ['3.14159265358979', '100', '-42.000'] },
  { type: 'integer', values: [0, -5, '12', 2_147_483_647, null] },
  { type: 'bigint', values: ['9007199254740993', 12n, null] },
  { type: 'double precision', values: [0.1, 1e-7, 123456.789, -2.5] },
  { type: 'timestamptz', values: ['2024-03-01T08:30:00.000Z', '2024-03-01T16:30:00+08:00', '1999-12-31T23:59:59.123Z', new Date(0), null] },
  { type: 'date', values: ['2024-02-29', '1970-01-01', null] },
  { type: 'boolean', values: [true, false, null] },
  { type: 'jsonb', values: [{ b: 1, a: [1, 'x', null], longer: { z: true } }, '{"k":"v"}', [], null] },
  { type: 'json', values: [{ b: 2, a: 'x' }] },
  { type: 'uuid', values: ['3F2504E0-4F89-11D3-9A0C-0305E82C3301', null] },
];

/** Stores every sample in a one-column table and compares the digest PostgreSQL computes with ours. */
async function digestsAgree(db: Kysely<any>): Promise<void> {
  for (const [index, sample] of SAMPLES.entries()) {
    const table = `kinds_${index}`;
    await sql`CREATE TEMP TABLE ${sql.table(table)} (n integer, v ${sql.raw(sample.type)})`.execute(db);
    for (const [n, value] of sample.values.entries()) {
      const stored = typeof value === 'bigint' ? value.toString() : value !== null && typeof value === 'object' && !(value instanceof Date) ? JSON.stringify(value) : value;
      await sql`INSERT INTO ${sql.table(table)} VALUES (${n}, ${stored})`.execute(db);
    }
    const { rows: types } = await sql<{ t: string }>`SELECT data_type AS t FROM information_schema.columns WHERE table_name = ${table} AND column_name = 'v'`.execute(db);
    const column: TargetColumn = { name: 'v', kind: columnKind(types[0]!.t) };
    const { rows } = await sql<{ n: number; d: string }>`SELECT n, (${rowDigestSql([column])})::text AS d FROM ${sql.table(table)} ORDER BY n`.execute(db);
    for (const row of rows) {
      const value = sample.values[row.n];
      expect({ type: sample.type, value: String(value), digest: BigInt(row.d) }).toEqual({
        type: sample.type,
        value: String(value),
        digest: rowDigest(rowText([canonicalValue(value, column.kind)])),
      });
    }
  }
}

it('JavaScript and embedded PostgreSQL (PGlite) agree on the canonical form of every column kind', async () => {
  const db = new PGlite();
  const kysely = new Kysely<any>({ dialect: new PgliteDialect(db) });
  try {
    await digestsAgree(kysely);
  } finally {
    await kysely.destroy(); // closes PGlite too
  }
});

describeWith(['mysql', 'postgres'])('content reconciliation on 100,000 rows', () => {
  let legacy: TestDatabase;
  let newcrm: TestDatabase;
  let dir: string;
  const env = () => ({ LEGACY_URL: legacy.url, NEWCRM_URL: newcrm.url });
  const cli = (...args: string[]) => runCli([...args, '-p', dir], { env: env() });
  const content = async (): Promise<EntityContent> => {
    const project = await loadProject(dir, { env: env() });
    const session = await ProjectSession.open(project, createLogger({ file: null, terminal: null }));
    try {
      return await reconcileContent(session, project.entities[0]!, { limit: 10 });
    } finally {
      await session.close();
    }
  };

  beforeAll(async () => {
    [legacy, newcrm] = await Promise.all([createMysqlDatabase('cutover_content_legacy'), createPostgresDatabase('cutover_content_newcrm')]);
    await withMysqlAdmin(async (connection) => {
      await connection.query(`CREATE TABLE accounts (
        id INT PRIMARY KEY, name VARCHAR(80) NOT NULL, balance DECIMAL(12,2), opened DATETIME NOT NULL,
        vip TINYINT NOT NULL, updated_at DATETIME NOT NULL, KEY (updated_at, id))`);
      await connection.query(`INSERT INTO accounts
        SELECT seq, CONCAT('Account ', seq, IF(seq % 7 = 0, ' 有限公司', '')), IF(seq % 11 = 0, NULL, seq * 1.25),
               '2024-01-01 08:00:00' + INTERVAL seq MINUTE, seq % 2, '2024-06-01 00:00:00' + INTERVAL seq SECOND
          FROM seq_1_to_${ROWS}`);
    }, legacy.url);
    dir = await mkdtemp(path.join(tmpdir(), 'cutover-content-'));
    await mkdir(path.join(dir, 'migrations'));
    await writeFile(
      path.join(dir, 'cutover.yaml'),
      `connections: { legacy: '\${LEGACY_URL}', newcrm: '\${NEWCRM_URL}' }
target: { connection: newcrm, migrations: ./migrations }
entities: [accounts.yaml]
options: { batch_size: 5000 }
`,
    );
    await writeFile(
      path.join(dir, 'migrations', '001_accounts.sql'),
      `CREATE TABLE accounts (id bigserial PRIMARY KEY, legacy_id text NOT NULL UNIQUE, name text NOT NULL,
        balance numeric(14, 2), opened timestamptz NOT NULL, vip boolean NOT NULL, updated_at timestamptz NOT NULL);`,
    );
    await writeFile(
      path.join(dir, 'accounts.yaml'),
      `entity: accounts
source: { connection: legacy, table: accounts, key: id, cursor: updated_at }
target: { connection: newcrm, table: accounts, key: legacy_id, id: id }
fields:
  legacy_id:  { from: id }
  name:       { from: name, transforms: [trim] }
  balance:    { from: balance, transforms: [{ decimal: { scale: 2 } }] }
  opened:     { from: opened, transforms: [{ datetime: { tz: Asia/Shanghai } }] }
  vip:        { from: vip, transforms: [boolean] }
  updated_at: { from: updated_at, transforms: [{ datetime: { tz: Asia/Shanghai } }] }
`,
    );
    const run = await cli('run', '--quiet');
    expect(run.code, run.stderr).toBe(0);
  });
  afterAll(async () => {
    await Promise.all([legacy?.drop(), newcrm?.drop(), dir && rm(dir, { recursive: true, force: true })]);
  });

  it('agrees with real PostgreSQL on the canonical form of every column kind', async () => {
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: newcrm.url, max: 1 }) }) });
    try {
      await digestsAgree(db);
    } finally {
      await db.destroy();
    }
  });

  it('finds nothing on an untouched target, reading no target row', async () => {
    const clean = await content();
    expect(clean).toMatchObject({ compared: true, rowsCompared: ROWS, differingRows: 0, differences: [], expectedRowsRead: ROWS, targetRowsRead: 0 });
    expect(clean.rangeChecksums).toBe(ROWS / 2_000);
    expect((await cli('reconcile', '--content', '--quiet')).code).toBe(0);
  });

  it('names the key, field and both values of one changed value, reading a few dozen target rows', async () => {
    await queryPostgres(newcrm.url, `UPDATE accounts SET balance = 0.01 WHERE legacy_id = '54321'`);
    const found = await content();
    expect(found.differingRows).toBe(1);
    expect(found.differences).toEqual([{ key: '54321', field: 'balance', source: '67901.25', target: '0.01' }]);
    // One scan of the source; of the target, one leaf range's digests and the one differing row.
    expect(found.targetRowsRead).toBeLessThanOrEqual(33);
    expect(found.expectedRowsRead! + found.targetRowsRead!).toBeLessThan(2 * ROWS * 0.51);
    expect((await cli('reconcile', '--content', '--quiet')).code).toBe(1);
    await queryPostgres(newcrm.url, `UPDATE accounts SET balance = 67901.25 WHERE legacy_id = '54321'`);
    expect((await cli('reconcile', '--content', '--quiet')).code).toBe(0);
  });

  it('finds a source change not synced yet, and a target row gone missing', async () => {
    await withMysqlAdmin((connection) => connection.query(`UPDATE accounts SET name = 'Renamed Ltd' WHERE id = 99999`), legacy.url);
    await queryPostgres(newcrm.url, `DELETE FROM accounts WHERE legacy_id = '12'`);
    const found = await content();
    expect(found.differingRows).toBe(2);
    expect(found.differences).toEqual(
      expect.arrayContaining([
        { key: '12', field: null, source: 'row', target: null },
        { key: '99999', field: 'name', source: 'Renamed Ltd', target: 'Account 99999' },
      ]),
    );
    expect(found.targetRowsRead).toBeLessThanOrEqual(66);
  });
});

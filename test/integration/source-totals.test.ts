/**
 * What database sources tell the progress line about a read's size: the table statistics
 * (MariaDB `TABLE_ROWS`, PostgreSQL `reltuples`), and an exact count of the rows a read from a
 * watermark yields, with the read's own predicate, that the server gives up when it runs past
 * its limit, and that an abort gives up at once, leaving the source usable.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConnectionUrl } from '../../connectors/connection-url.js';
import { mysqlConnector } from '../../connectors/mysql/mysql-connector.js';
import { postgresConnector } from '../../connectors/postgres/postgres-connector.js';
import type { Source, SourceEntity } from '../../connectors/types.js';
import { createMysqlDatabase, createPostgresDatabase, describeWith, withMysqlAdmin, withPostgresAdmin, type TestDatabase } from '../support/databases.js';

const ROWS = 1_000;
const ENTITY: SourceEntity = { table: 'items', key: 'id', cursor: 'updated_at' };
/** Rows 1-1,000, two per minute from 2024-01-01 00:00: rows 2n and 2n + 1 share a cursor. */
const cursorOf = (id: number) => `2024-01-01 ${String(Math.floor(Math.floor(id / 2) / 60)).padStart(2, '0')}:${String(Math.floor(id / 2) % 60).padStart(2, '0')}:00`;

function behaviour(open: (options?: string) => Source, slowScope: string) {
  let source: Source;
  beforeAll(() => {
    source = open();
  });
  afterAll(async () => {
    await source?.close();
  });

  it('estimates the table from its statistics, and gives none for a `where` (they describe the whole table)', async () => {
    const estimate = await source.estimateRows!(ENTITY);
    // Statistics are approximate by nature; on a freshly analysed small table they are close.
    expect(estimate).toBeGreaterThan(ROWS / 2);
    expect(estimate).toBeLessThan(ROWS * 2);
    expect(await source.estimateRows!({ ...ENTITY, where: 'id > 10' })).toBeNull();
  });

  it('counts exactly the rows a read from a watermark yields, ties at the cursor included', async () => {
    expect(await source.countBounded!({ entity: ENTITY, after: null, timeoutMs: 5_000 })).toBe(ROWS);
    // After (cursor of 700, key 700): row 701 shares its cursor and comes after it by key.
    const after = { cursor: cursorOf(700), key: 700 };
    const keys: string[] = [];
    for await (const batch of source.read({ entity: ENTITY, after, batchSize: 128 })) keys.push(...batch.rows.map((row) => row.key));
    expect(keys).toHaveLength(300);
    expect(await source.countBounded!({ entity: ENTITY, after, timeoutMs: 5_000 })).toBe(keys.length);
    expect(await source.countBounded!({ entity: { ...ENTITY, where: 'id <= 800' }, after, timeoutMs: 5_000 })).toBe(100);
    // A rewound watermark (key null) takes every row at the cursor: 700 too.
    expect(await source.countBounded!({ entity: ENTITY, after: { cursor: cursorOf(700), key: null }, timeoutMs: 5_000 })).toBe(301);
  });

  it('gives a slow count up on the server at its limit (null), and the source reads on', async () => {
    // Each row sleeps 20 ms: 20 s in all, far past the 300 ms limit.
    expect(await source.countBounded!({ entity: { ...ENTITY, where: slowScope }, after: null, timeoutMs: 300 })).toBeNull();
    expect(await source.count(ENTITY)).toBe(ROWS);
  });

  it('does not count beside a read where the pool has no connection to spare (the read would wait)', async () => {
    const small = open('?pool_size=2');
    try {
      expect(await small.countBounded!({ entity: ENTITY, after: null, timeoutMs: 5_000 })).toBeNull();
      expect(await small.count(ENTITY)).toBe(ROWS);
    } finally {
      await small.close();
    }
  });

  it('gives a count up at once when aborted (null), and the source reads on', async () => {
    const controller = new AbortController();
    const counting = source.countBounded!({ entity: { ...ENTITY, where: slowScope }, after: null, timeoutMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect(await counting).toBeNull();
    expect(await source.countBounded!({ entity: ENTITY, after: null, timeoutMs: 5_000 })).toBe(ROWS);
    const already = new AbortController();
    already.abort();
    expect(await source.countBounded!({ entity: ENTITY, after: null, timeoutMs: 5_000, signal: already.signal })).toBeNull();
  });
}

describeWith(['mysql'])('MariaDB: statistics and bounded counts', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createMysqlDatabase('totals');
    await withMysqlAdmin(async (connection) => {
      await connection.query('CREATE TABLE items (id INT PRIMARY KEY, updated_at DATETIME NOT NULL, label VARCHAR(20), KEY (updated_at, id))');
      await connection.query('INSERT INTO items VALUES ?', [Array.from({ length: ROWS }, (_, i) => [i + 1, cursorOf(i + 1), `item ${i + 1}`])]);
      await connection.query('ANALYZE TABLE items');
    }, database.url);
  });
  afterAll(async () => {
    await database?.drop();
  });
  behaviour((options = '') => mysqlConnector.createSource!(mysqlConnector.parseConfig(parseConnectionUrl(database.url + options), { baseDir: '.' })), 'SLEEP(0.02) = 0');
});

describeWith(['postgres'])('PostgreSQL: statistics and bounded counts', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createPostgresDatabase('totals');
    await withPostgresAdmin(async (client) => {
      await client.query('CREATE TABLE items (id int PRIMARY KEY, updated_at timestamp NOT NULL, label text)');
      await client.query('INSERT INTO items SELECT id, $1::timestamp + (id / 2) * interval \'1 minute\', \'item \' || id FROM generate_series(1, $2::int) AS id', ['2024-01-01 00:00:00', ROWS]);
      await client.query('ANALYZE items');
    }, database.url);
  });
  afterAll(async () => {
    await database?.drop();
  });
  behaviour((options = '') => postgresConnector.createSource!(postgresConnector.parseConfig(parseConnectionUrl(database.url + options), { baseDir: '.' })), '(SELECT true FROM pg_sleep(0.02 + id * 0))');
});

/**
 * Keyset reading specifics of the database sources that the shared contract does not cover:
 * NULL cursors first, rewound watermarks (key null), `where` pushdown, and describe/count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConnectionUrl } from '../../connectors/connection-url.js';
import { mysqlConnector } from '../../connectors/mysql/mysql-connector.js';
import { postgresConnector } from '../../connectors/postgres/postgres-connector.js';
import type { Source, SourceEntity, Watermark } from '../../connectors/types.js';
import { createMysqlDatabase, createPostgresDatabase, describeWith, withMysqlAdmin, withPostgresAdmin, type TestDatabase } from '../support/databases.js';

const ROWS: [number, string | null, string, number][] = [
  [5, null, 'null-cursor five', 0],
  [2, null, 'null-cursor two', 0],
  [7, '2024-01-01 10:00:00', 'first tie', 0],
  [3, '2024-01-01 10:00:00', 'second tie', 1],
  [9, '2024-01-01 10:00:00', 'third tie', 0],
  [1, '2024-01-02 08:30:00', 'later', 0],
  [4, '2024-01-03 00:00:00', 'latest', 1],
];
const ORDER = [2, 5, 3, 7, 9, 1, 4];
const ENTITY: SourceEntity = { table: 'items', key: 'id', cursor: 'updated_at' };

async function readAll(source: Source, entity: SourceEntity, after: Watermark | null, batchSize = 2) {
  const ids: number[] = [];
  const marks: Watermark[] = [];
  for await (const batch of source.read({ entity, after, batchSize })) {
    ids.push(...batch.rows.map((row) => Number(row.key)));
    marks.push(batch.last);
  }
  return { ids, marks };
}

function behaviour(name: string, setup: () => Promise<{ source: Source; done: () => Promise<void> }>) {
  describe(name, () => {
    let source: Source;
    let done: () => Promise<void>;
    beforeAll(async () => {
      ({ source, done } = await setup());
    });
    afterAll(async () => {
      await source.close();
      await done();
    });

    it('reads NULL cursors first, then (cursor, key) order, across page boundaries', async () => {
      const { ids } = await readAll(source, ENTITY, null);
      expect(ids).toEqual(ORDER);
    });

    it('resumes after every watermark with no gap and no duplicate', async () => {
      const { marks } = await readAll(source, ENTITY, null, 1);
      for (const [index, mark] of marks.entries()) {
        const { ids } = await readAll(source, ENTITY, mark, 3);
        expect(ids).toEqual(ORDER.slice(index + 1));
      }
    });

    it('reads every key at a cursor from a rewound watermark (key null)', async () => {
      const { ids } = await readAll(source, ENTITY, { cursor: '2024-01-01 10:00:00', key: null });
      expect(ids).toEqual([3, 7, 9, 1, 4]);
    });

    it('pushes `where` down and counts the rows in scope', async () => {
      const scoped = { ...ENTITY, where: 'deleted = 0' };
      expect((await readAll(source, scoped, null)).ids).toEqual([2, 5, 7, 9, 1]);
      expect(await source.count(scoped)).toBe(5);
      expect(await source.count(ENTITY)).toBe(7);
    });

    it('says which keys exist in scope, from the key index', async () => {
      expect(source.capabilities.keyLookup).toBe(true);
      expect(await source.existingKeys!(ENTITY, [])).toEqual(new Set());
      expect(await source.existingKeys!(ENTITY, ['5', '3', '8', '-1', '4'])).toEqual(new Set(['5', '3', '4']));
      expect(await source.existingKeys!({ ...ENTITY, where: 'deleted = 0' }, ['5', '3', '8', '4', '1'])).toEqual(new Set(['5', '1']));
    });

    it('describes the columns and refuses a missing table by name', async () => {
      const columns = await source.describe(ENTITY);
      expect(columns.map((c) => c.name)).toEqual(['id', 'updated_at', 'label', 'deleted']);
      await expect(source.describe({ ...ENTITY, table: 'nope' })).rejects.toThrow(/table `nope` does not exist/);
    });

    it('returns DATETIME values as text, exactly as stored', async () => {
      for await (const batch of source.read({ entity: ENTITY, after: { cursor: '2024-01-02 00:00:00', key: null }, batchSize: 1 })) {
        expect(batch.rows[0]!.data.updated_at).toBe('2024-01-02 08:30:00');
        break;
      }
    });
  });
}

describeWith(['mysql'])('MySQL keyset source', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createMysqlDatabase('keyset');
    await withMysqlAdmin(async (connection) => {
      await connection.query('CREATE TABLE items (id INT PRIMARY KEY, updated_at DATETIME NULL, label VARCHAR(40), deleted TINYINT NOT NULL, KEY (updated_at, id))');
      await connection.query('INSERT INTO items VALUES ?', [ROWS]);
    }, database.url);
  });
  afterAll(async () => {
    await database?.drop();
  });
  behaviour('mysql', async () => ({ source: mysqlConnector.createSource!(mysqlConnector.parseConfig(parseConnectionUrl(database.url), { baseDir: '.' })), done: async () => undefined }));
});

describeWith(['postgres'])('PostgreSQL keyset source', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createPostgresDatabase('keyset');
    await withPostgresAdmin(async (client) => {
      await client.query('CREATE TABLE items (id int PRIMARY KEY, updated_at timestamp NULL, label text, deleted int NOT NULL)');
      for (const row of ROWS) await client.query('INSERT INTO items VALUES ($1, $2, $3, $4)', row);
    }, database.url);
  });
  afterAll(async () => {
    await database?.drop();
  });
  behaviour('postgres', async () => ({ source: postgresConnector.createSource!(postgresConnector.parseConfig(parseConnectionUrl(database.url), { baseDir: '.' })), done: async () => undefined }));
});

/**
 * On a database source, a table or column name is one identifier, dots, quotes and backticks
 * included: MariaDB tables `a.b` and `` we`ird `` and a PostgreSQL table `a.b` are read, paged,
 * counted, described and looked up by key, and the names listTables gives (what backups read) read
 * back. A name meant as `schema.table` gets a message saying how to name the schema instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConnectionUrl } from '../../connectors/connection-url.js';
import { mysqlConnector } from '../../connectors/mysql/mysql-connector.js';
import { postgresConnector } from '../../connectors/postgres/postgres-connector.js';
import type { Source, SourceEntity, Watermark } from '../../connectors/types.js';
import { createMysqlDatabase, createPostgresDatabase, describeWith, withMysqlAdmin, withPostgresAdmin, type TestDatabase } from '../support/databases.js';

/** `(key, cursor, label)`: two rows share a cursor, so pages break inside a tie. */
const ROWS: [number, string, string][] = [
  [3, '2024-01-01 10:00:00', 'three'],
  [1, '2024-01-01 10:00:00', 'one'],
  [2, '2024-01-02 10:00:00', 'two'],
  [5, '2024-01-03 10:00:00', 'five'],
  [4, '2024-01-04 10:00:00', 'four'],
];
const ORDER = ['1', '3', '2', '5', '4'];

async function keysOf(source: Source, entity: SourceEntity, after: Watermark | null = null) {
  const keys: string[] = [];
  const marks: Watermark[] = [];
  for await (const batch of source.read({ entity, after, batchSize: 2 })) {
    keys.push(...batch.rows.map((row) => row.key));
    marks.push(batch.last);
  }
  return { keys, marks };
}

function readsByName(open: () => Source, entities: () => readonly SourceEntity[], qualifiedHint: RegExp) {
  let source: Source;
  beforeAll(() => {
    source = open();
  });
  afterAll(async () => {
    await source?.close();
  });

  it('pages through each table in (cursor, key) order and resumes after every watermark', async () => {
    for (const entity of entities()) {
      const { keys, marks } = await keysOf(source, entity);
      expect(keys, entity.table).toEqual(ORDER);
      expect((await keysOf(source, entity, marks[0]!)).keys, entity.table).toEqual(ORDER.slice(2));
    }
  });

  it('counts, describes and looks rows up by key', async () => {
    for (const entity of entities()) {
      expect(await source.count(entity)).toBe(ROWS.length);
      expect(await source.count({ ...entity, where: '1 = 0' })).toBe(0);
      expect((await source.describe(entity)).map((c) => c.name)).toEqual([entity.key, entity.cursor, 'label']);
      expect(await source.existingKeys!(entity, ['2', '9', '4'])).toEqual(new Set(['2', '4']));
      const rows = await source.readKeys!(entity, ['5']);
      expect(rows.map((row) => [row.key, row.data.label])).toEqual([['5', 'five']]);
      expect(rows[0]!.origin).toContain(`${entity.table} ${entity.key}=5`);
    }
  });

  it('lists the tables by their names, and each listed name reads back (as backups read them)', async () => {
    const listed = await source.listTables!();
    for (const entity of entities()) {
      expect(listed).toContainEqual({ name: entity.table, primaryKey: [entity.key] });
      const byListedName = listed.find((table) => table.name === entity.table)!;
      expect(await source.count({ table: byListedName.name, key: byListedName.primaryKey[0]! })).toBe(ROWS.length);
    }
  });

  it('says how to name another schema or database when a dotted name is not a table', async () => {
    const entity = entities()[0]!;
    await expect(source.describe({ ...entity, table: 'legacy.items' })).rejects.toThrow(qualifiedHint);
  });
}

describeWith(['mysql'])('MariaDB tables `a.b` and `we`ird`', () => {
  let database: TestDatabase;
  const entities: SourceEntity[] = [
    { table: 'a.b', key: 'the.id', cursor: 'updated.at' },
    { table: 'we`ird', key: 'k`ey', cursor: 'up"dated' },
  ];
  beforeAll(async () => {
    database = await createMysqlDatabase('identifiers');
    await withMysqlAdmin(async (connection) => {
      for (const { table, key, cursor } of entities) {
        const q = (name: string) => `\`${name.replaceAll('`', '``')}\``;
        await connection.query(`CREATE TABLE ${q(table)} (${q(key)} INT PRIMARY KEY, ${q(cursor!)} DATETIME NOT NULL, label VARCHAR(20), KEY (${q(cursor!)}, ${q(key)}))`);
        await connection.query(`INSERT INTO ${q(table)} VALUES ?`, [ROWS]);
      }
      // A decoy the old reading of `a.b` (table `b` of database `a`) would have found instead.
      await connection.query('CREATE TABLE b (id INT PRIMARY KEY)');
    }, database.url);
  });
  afterAll(async () => {
    await database?.drop();
  });
  readsByName(
    () => mysqlConnector.createSource!(mysqlConnector.parseConfig(parseConnectionUrl(database.url), { baseDir: '.' })),
    () => entities,
    /table `legacy\.items` does not exist; a source table name is one identifier .*name it in the connection URL/,
  );
});

describeWith(['postgres'])('PostgreSQL table `a.b`', () => {
  let database: TestDatabase;
  const entities: SourceEntity[] = [
    { table: 'a.b', key: 'the.id', cursor: 'up"dated' },
    { table: 'we"ird', key: 'k"ey', cursor: 'up.dated' },
  ];
  beforeAll(async () => {
    database = await createPostgresDatabase('identifiers');
    await withPostgresAdmin(async (client) => {
      const q = (name: string) => client.escapeIdentifier(name);
      for (const { table, key, cursor } of entities) {
        await client.query(`CREATE TABLE ${q(table)} (${q(key)} int PRIMARY KEY, ${q(cursor!)} timestamp NOT NULL, label text)`);
        for (const row of ROWS) await client.query(`INSERT INTO ${q(table)} VALUES ($1, $2, $3)`, row);
      }
      await client.query('CREATE SCHEMA a; CREATE TABLE a.b (id int PRIMARY KEY)');
    }, database.url);
  });
  afterAll(async () => {
    await database?.drop();
  });
  readsByName(
    () => postgresConnector.createSource!(postgresConnector.parseConfig(parseConnectionUrl(database.url), { baseDir: '.' })),
    () => entities,
    /table `legacy\.items` does not exist in schema `public`; a source table name is one identifier .*put \?schema=legacy on the connection URL/,
  );
});

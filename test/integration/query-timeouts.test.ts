/**
 * `query_timeout_ms` on the database sources: a statement that gets no answer in time fails as a
 * transient fault naming the option (so the runner's budget applies), and the connection it held
 * is not handed out again: the next statement answers at once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConnectionUrl } from '../../connectors/connection-url.js';
import { TransientError } from '../../connectors/errors.js';
import { mysqlConnector } from '../../connectors/mysql/mysql-connector.js';
import { postgresConnector } from '../../connectors/postgres/postgres-connector.js';
import type { Connector, Source } from '../../connectors/types.js';
import { createMysqlDatabase, createPostgresDatabase, describeWith, withMysqlAdmin, withPostgresAdmin, type TestDatabase } from '../support/databases.js';

const TIMEOUT_MS = 300;

function behaviour(name: string, connector: Connector<unknown>, create: () => Promise<TestDatabase>, seed: (url: string) => Promise<void>, sleepFor: string) {
  describeWith([name === 'mysql' ? 'mysql' : 'postgres'])(`${name} query_timeout_ms`, () => {
    let database: TestDatabase;
    let source: Source;
    beforeAll(async () => {
      database = await create();
      await seed(database.url);
      const url = new URL(database.url);
      // One connection: the statement after the time-out must not wait behind the one still running.
      url.search = `?query_timeout_ms=${TIMEOUT_MS}&pool_size=1`;
      source = connector.createSource!(connector.parseConfig(parseConnectionUrl(url.toString()), { baseDir: '.' }));
    });
    afterAll(async () => {
      await source?.close();
      await database?.drop();
    });

    it('fails a statement that gets no answer in time as transient, then answers the next at once', async () => {
      const started = performance.now();
      const error = (await source.count({ table: 'items', key: 'id', where: sleepFor }).catch((caught: unknown) => caught)) as Error;
      expect(error).toBeInstanceOf(TransientError);
      expect(error.message).toMatch(/no answer within query_timeout_ms/);
      // Before the statement itself could have answered (8 s); the time-out is 0.3 s.
      expect(performance.now() - started).toBeLessThan(6_000);
      expect(await source.count({ table: 'items', key: 'id' })).toBe(2);
    });
  });
}

behaviour(
  'mysql',
  mysqlConnector as Connector<unknown>,
  () => createMysqlDatabase('cutover_qtimeout'),
  (url) =>
    withMysqlAdmin(async (connection) => {
      await connection.query('CREATE TABLE items (id INT PRIMARY KEY)');
      await connection.query('INSERT INTO items VALUES (1), (2)');
    }, url),
  // Short: the server finishes the abandoned statement, and dropping the database waits for it.
  'SLEEP(8) = 0',
);

behaviour(
  'postgres',
  postgresConnector as Connector<unknown>,
  () => createPostgresDatabase('cutover_qtimeout'),
  (url) =>
    withPostgresAdmin(async (client) => {
      await client.query('CREATE TABLE items (id int PRIMARY KEY)');
      await client.query('INSERT INTO items VALUES (1), (2)');
    }, url),
  'pg_sleep(8) IS NOT NULL',
);

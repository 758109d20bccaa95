/**
 * The shared source contract on the database sources, MariaDB and PostgreSQL, through their
 * connectors: each setup its own database, so that what the server holds for it (sessions,
 * running statements) is the source's alone.
 */
import { parseConnectionUrl } from '../../connectors/connection-url.js';
import { mysqlConnector } from '../../connectors/mysql/mysql-connector.js';
import { postgresConnector } from '../../connectors/postgres/postgres-connector.js';
import type { Connector } from '../../connectors/types.js';
import { describeSourceContract, type ContractRow, type ContractSetup, type SourceContractFixture } from '../contract/source-contract.js';
import { createMysqlDatabase, createPostgresDatabase, describeWith, queryPostgres, withMysqlAdmin, withPostgresAdmin, type TestDatabase } from '../support/databases.js';
import { POSTGRES_ADMIN_URL } from '../support/services.js';

const POOL_SIZE = 4;
const databaseOf = new WeakMap<ContractSetup, TestDatabase>();

interface Server {
  readonly name: 'mysql' | 'postgres';
  readonly connector: Connector<unknown>;
  createDatabase(): Promise<TestDatabase>;
  /** Creates table `contract` (key `id`, cursor `updated_at`) holding `rows`. */
  load(url: string, rows: readonly ContractRow[]): Promise<void>;
  /** Sessions on the server connected to `database`: all, or only those running a statement. */
  sessions(database: string, running: boolean): Promise<number>;
  readonly slowScope: string;
}

const values = (rows: readonly ContractRow[]) => rows.map((r) => [r.id, r.name, r.updated_at, r.amount, r.note]);

const mysql: Server = {
  name: 'mysql',
  connector: mysqlConnector as Connector<unknown>,
  createDatabase: () => createMysqlDatabase('cutover_contract'),
  load: (url, rows) =>
    withMysqlAdmin(async (connection) => {
      await connection.query('CREATE TABLE contract (id INT PRIMARY KEY, name TEXT NOT NULL, updated_at DATETIME NOT NULL, amount DECIMAL(12,2) NULL, note TEXT NULL, KEY (updated_at, id))');
      await connection.query('INSERT INTO contract VALUES ?', [values(rows)]);
    }, url),
  sessions: (database, running) =>
    withMysqlAdmin(async (connection) => {
      const [rows] = await connection.query(`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ?${running ? " AND COMMAND <> 'Sleep'" : ''}`, [database]);
      return Number((rows as { n: unknown }[])[0]?.n);
    }),
  // MariaDB sleeps for every row it looks at (a subquery with SLEEP is not cached): at least the
  // five of a first page, 25 s, unless the statement is killed.
  slowScope: 'SLEEP(5) = 0',
};

const postgres: Server = {
  name: 'postgres',
  connector: postgresConnector as Connector<unknown>,
  createDatabase: () => createPostgresDatabase('cutover_contract'),
  load: (url, rows) =>
    withPostgresAdmin(async (client) => {
      await client.query('CREATE TABLE contract (id int PRIMARY KEY, name text NOT NULL, updated_at timestamp NOT NULL, amount numeric(12,2) NULL, note text NULL)');
      for (const row of values(rows)) await client.query('INSERT INTO contract VALUES ($1, $2, $3, $4, $5)', row);
    }, url),
  sessions: async (database, running) => {
    const rows = await queryPostgres(
      POSTGRES_ADMIN_URL,
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()${running ? " AND state IS DISTINCT FROM 'idle'" : ''}`,
      [database],
    );
    return Number(rows[0]?.n);
  },
  // An uncorrelated subquery: one 30 s sleep, before the first row.
  slowScope: '(SELECT pg_sleep(30)) IS NOT NULL',
};

function fixture(server: Server): SourceContractFixture {
  const name = (setup: ContractSetup) => databaseOf.get(setup)!.name;
  return {
    create: async (rows) => {
      const database = await server.createDatabase();
      await server.load(database.url, rows);
      const url = `${database.url}?pool_size=${POOL_SIZE}`;
      const setup: ContractSetup = {
        source: server.connector.createSource!(server.connector.parseConfig(parseConnectionUrl(url), { baseDir: '.' })),
        entity: { table: 'contract', key: 'id', cursor: 'updated_at' },
        cleanup: () => database.drop(),
      };
      databaseOf.set(setup, database);
      return setup;
    },
    serverSessions: async (setup) => ({ open: await server.sessions(name(setup), false), running: await server.sessions(name(setup), true) }),
    slowScope: server.slowScope,
    poolSize: POOL_SIZE,
  };
}

for (const server of [mysql, postgres]) {
  describeWith([server.name])(`${server.name} source`, () => {
    describeSourceContract(server.name, fixture(server));
  });
}

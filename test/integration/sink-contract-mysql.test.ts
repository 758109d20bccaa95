/**
 * The sink contract on MariaDB: once as the sink writes (the ids of new keys read back with a
 * SELECT, as on MySQL, which has no RETURNING), once with MariaDB's `INSERT … RETURNING`.
 */
import { parseConnectionUrl } from '../../connectors/connection-url.js';
import { mysqlConnector } from '../../connectors/mysql/mysql-connector.js';
import type { MysqlSink } from '../../connectors/mysql/mysql-sink.js';
import { describeSinkContract, type SinkContractFixture, type StoredRow } from '../contract/sink-contract.js';
import { createMysqlDatabase, describeWith, withMysqlAdmin } from '../support/databases.js';

const PARENT_DDL = `CREATE TABLE contract_customers (
  id          UUID NOT NULL DEFAULT UUID() PRIMARY KEY,
  legacy_id   VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
  name        VARCHAR(40) NOT NULL,
  email       VARCHAR(120),
  amount      DECIMAL(12,2),
  active      BOOLEAN,
  born        DATE,
  seen_at     DATETIME(3),
  profile     JSON,
  code        CHAR(4),
  archived_at DATETIME(3),
  UNIQUE KEY contract_customers_legacy_id (legacy_id),
  UNIQUE KEY contract_customers_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;

const CHILD_DDL = `CREATE TABLE contract_orders (
  id          BIGINT AUTO_INCREMENT PRIMARY KEY,
  legacy_id   VARCHAR(64) COLLATE utf8mb4_bin NOT NULL UNIQUE,
  customer_id UUID NULL,
  note        TEXT,
  CONSTRAINT contract_orders_customer FOREIGN KEY (customer_id) REFERENCES contract_customers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;

/** A fresh database per test with the contract's two tables, and a sink on it. */
function mysqlContractFixture(choices: { returning?: boolean } = {}): SinkContractFixture {
  return {
    async create() {
      const database = await createMysqlDatabase('cutover_sink');
      await withMysqlAdmin((connection) => connection.query(`${PARENT_DDL}; ${CHILD_DDL}`), database.url);
      const config = mysqlConnector.parseConfig(parseConnectionUrl(database.url), { baseDir: process.cwd() });
      let sink = (await mysqlConnector.createSink!(config)) as MysqlSink;
      if (choices.returning !== undefined) sink = sink.withChoices({ returning: choices.returning });
      return {
        sink,
        parent: { table: 'contract_customers', key: 'legacy_id', id: 'id' },
        child: { table: 'contract_orders', key: 'legacy_id', id: 'id', field: 'customer_id' },
        readRows: (table) => readRows(database.url, table === 'parent' ? 'contract_customers' : 'contract_orders'),
        cleanup: () => database.drop(),
      };
    },
  };
}

async function readRows(url: string, table: string): Promise<StoredRow[]> {
  const [rows] = await withMysqlAdmin((connection) => connection.query({ sql: `SELECT * FROM ${table}`, dateStrings: true }), url);
  return (rows as Record<string, unknown>[]).map((row) => {
    const stored: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(row)) {
      if (value === null) stored[column] = null;
      else if (column === 'id' || column === 'customer_id') stored[column] = String(value);
      else if (column === 'active') stored[column] = Number(value) !== 0;
      else if (column === 'seen_at' || column === 'archived_at') stored[column] = new Date(`${String(value).replace(' ', 'T')}Z`);
      else if (column === 'profile') stored[column] = typeof value === 'string' ? JSON.parse(value) : value;
      else stored[column] = value;
    }
    return stored as StoredRow;
  });
}

describeWith(['mysql'])('MariaDB target', () => {
  describeSinkContract('MariaDB', mysqlContractFixture());
  describeSinkContract('MariaDB with INSERT … RETURNING', mysqlContractFixture({ returning: true }));
});

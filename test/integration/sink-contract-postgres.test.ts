/**
 * The sink contract on PostgreSQL: a fresh database per test with the contract's two tables
 * (UUID and bigint ids, numeric, boolean, date, timestamptz(3), jsonb, char(4), a unique e-mail,
 * a foreign key from orders to customers), and the sink `postgresConnector` opens on it. The
 * customers' legacy key has a linguistic collation where the server has ICU (as in a database
 * made with an `en_US` locale), so that the probe's byte order is not the column's.
 */
import { parseConnectionUrl } from '../../connectors/connection-url.js';
import { postgresConnector } from '../../connectors/postgres/postgres-connector.js';
import { describeSinkContract } from '../contract/sink-contract.js';
import { createPostgresDatabase, describeWith, queryPostgres, withPostgresAdmin } from '../support/databases.js';
import { PG_CONTRACT_CHILD, PG_CONTRACT_PARENT, pgContractDdl, pgContractRow, pgContractSelect } from '../support/pg-contract-tables.js';

const LINGUISTIC = 'und-x-icu';

describeWith(['postgres'])('PostgreSQL target', () => {
  describeSinkContract('PostgreSQL', {
    async create() {
      const database = await createPostgresDatabase('cutover_sink');
      try {
        await withPostgresAdmin(async (client) => {
          const { rows } = await client.query('SELECT 1 FROM pg_collation WHERE collname = $1', [LINGUISTIC]);
          await client.query(pgContractDdl(rows.length > 0 ? LINGUISTIC : undefined));
        }, database.url);
        const config = postgresConnector.parseConfig(parseConnectionUrl(database.url), { baseDir: process.cwd() });
        const sink = await postgresConnector.createSink!(config);
        return {
          sink,
          parent: PG_CONTRACT_PARENT,
          child: PG_CONTRACT_CHILD,
          readRows: async (table) => (await queryPostgres(database.url, pgContractSelect(table))).map(pgContractRow),
          cleanup: () => database.drop(),
        };
      } catch (error) {
        await database.drop();
        throw error;
      }
    },
  });
});

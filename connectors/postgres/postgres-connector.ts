import type { Connector } from '../types.js';
import { classifyDriverError } from '../errors.js';
import { parsePostgresConfig, type PostgresConfig } from './postgres-config.js';
import { createPgPool } from './postgres-pool.js';
import { PostgresSink } from './postgres-sink.js';
import { PostgresSource } from './postgres-source.js';
import { PostgresTableLoader } from './postgres-table-loader.js';
import { ownedStateDatabase } from '../sql/owned-state-database.js';

async function openPostgresSink(config: PostgresConfig): Promise<PostgresSink> {
  const pool = await createPgPool(config).catch((error: unknown) => {
    throw classifyDriverError(error, `PostgreSQL ${config.endpoint}`);
  });
  return new PostgresSink(config, pool);
}

/** `postgres://user:${PASSWORD}@host:5432/newcrm?schema=crm` (also `postgresql://`). */
export const postgresConnector: Connector<PostgresConfig, PostgresSink> = {
  schemes: ['postgres', 'postgresql'],
  displayName: 'PostgreSQL',
  parseConfig: (url) => parsePostgresConfig(url),
  createSource: (config) => new PostgresSource(config, () => createPgPool(config)),
  sinkState: 'target',
  createSink: (config) => openPostgresSink(config),
  createStateDatabase: async (config) => ownedStateDatabase(await openPostgresSink(config)),
  createTableLoader: async (config) => {
    const pool = await createPgPool(config).catch((error: unknown) => {
      throw classifyDriverError(error, `PostgreSQL ${config.endpoint}`);
    });
    return new PostgresTableLoader(config, pool);
  },
};

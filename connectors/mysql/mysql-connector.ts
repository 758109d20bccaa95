import type { Connector } from '../types.js';
import { parseMysqlConfig, type MysqlConfig } from './mysql-config.js';
import { MysqlSource, type MysqlPool } from './mysql-source.js';
import { MysqlTableLoader } from './mysql-table-loader.js';
import { MysqlSink } from './mysql-sink.js';
import type { MysqlSinkPool } from './mysql-session.js';
import { classifyDriverError } from '../errors.js';

/**
 * `mysql://user:${PASSWORD}@host:3306/legacy_crm?pool_size=4` (also `mariadb://`): a source, and a
 * target whose state lives beside it (`target.state`).
 */
export const mysqlConnector: Connector<MysqlConfig, MysqlSink> = {
  schemes: ['mysql', 'mariadb'],
  displayName: 'MySQL',
  sinkState: 'beside',
  parseConfig: (url) => parseMysqlConfig(url),
  createSource: (config) => new MysqlSource(config, () => createMysqlPool(config)),
  createSink: async (config): Promise<MysqlSink> => {
    const pool = await createMysqlPool(config, { sink: true }).catch((error: unknown) => {
      throw classifyDriverError(error, `MySQL ${config.endpoint}`);
    });
    try {
      return await MysqlSink.open(config, pool as unknown as MysqlSinkPool);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
  },
  createTableLoader: async (config) => {
    const pool = await createMysqlPool(config).catch((error: unknown) => {
      throw classifyDriverError(error, `MySQL ${config.endpoint}`);
    });
    return new MysqlTableLoader(config, pool);
  },
};

async function createMysqlPool(config: MysqlConfig, options: { sink?: boolean } = {}): Promise<MysqlPool> {
  // Loaded on first use so that a run from files never loads the driver.
  const mysql = await import('mysql2/promise');
  const { url } = config;
  const pool = mysql.createPool({
    host: url.host,
    port: url.port ?? 3306,
    user: url.username || undefined,
    password: url.password || undefined,
    database: url.path,
    connectionLimit: config.poolSize,
    connectTimeout: config.connectTimeoutMs,
    // A target works in UTC (its session's time_zone too); the sink converts dates itself.
    timezone: options.sink ? 'Z' : config.timezone,
    charset: 'utf8mb4',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    // The target runs migration files and sends a patch's UPDATEs many to a round trip. Every value
    // in them is escaped by the driver and every name quoted, as in a single statement.
    multipleStatements: options.sink === true,
  });
  // Connect once up front so that a wrong password or host fails here, with its endpoint.
  try {
    const connection = await pool.getConnection();
    connection.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return pool as unknown as MysqlPool;
}

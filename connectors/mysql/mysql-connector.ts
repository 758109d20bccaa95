import type { Connector } from '../types.js';
import { parseMysqlConfig, type MysqlConfig } from './mysql-config.js';
import { MysqlSource, type MysqlPool } from './mysql-source.js';
import { MysqlTableLoader } from './mysql-table-loader.js';
import { classifyDriverError } from '../errors.js';

/** `mysql://user:${PASSWORD}@host:3306/legacy_crm?pool_size=4` (also `mariadb://`). */
export const mysqlConnector: Connector<MysqlConfig> = {
  schemes: ['mysql', 'mariadb'],
  displayName: 'MySQL',
  parseConfig: (url) => parseMysqlConfig(url),
  createSource: (config) => new MysqlSource(config, () => createMysqlPool(config)),
  createTableLoader: async (config) => {
    const pool = await createMysqlPool(config).catch((error: unknown) => {
      throw classifyDriverError(error, `MySQL ${config.endpoint}`);
    });
    return new MysqlTableLoader(config, pool);
  },
};

async function createMysqlPool(config: MysqlConfig): Promise<MysqlPool> {
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
    timezone: config.timezone,
    charset: 'utf8mb4',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
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

import type { TestProject } from 'vitest/node';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { MYSQL_ADMIN_URL, POSTGRES_ADMIN_URL, servicesRequired } from './services.js';

async function reachable(check: () => Promise<void>): Promise<string | null> {
  try {
    await check();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const postgresError = await reachable(async () => {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
    await client.connect();
    await client.end();
  });
  const mysqlError = await reachable(async () => {
    const connection = await mysql.createConnection({ uri: MYSQL_ADMIN_URL, connectTimeout: 3000 });
    await connection.end();
  });
  if (servicesRequired() && (postgresError || mysqlError)) {
    throw new Error(
      'Integration tests require PostgreSQL and MariaDB (CI or CUTOVER_REQUIRE_SERVICES is set), but:\n' +
        (postgresError ? `  PostgreSQL ${POSTGRES_ADMIN_URL}: ${postgresError}\n` : '') +
        (mysqlError ? `  MariaDB ${MYSQL_ADMIN_URL}: ${mysqlError}\n` : ''),
    );
  }
  if (postgresError) console.warn(`PostgreSQL unreachable, its tests will skip: ${postgresError}`);
  if (mysqlError) console.warn(`MariaDB unreachable, its tests will skip: ${mysqlError}`);
  project.provide('services', { postgres: postgresError === null, mysql: mysqlError === null });
}

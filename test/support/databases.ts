/**
 * Throw-away databases for integration tests: every test file creates its own, uniquely named,
 * and drops it afterwards, so that parallel runs never collide.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, inject } from 'vitest';
import { MYSQL_ADMIN_URL, POSTGRES_ADMIN_URL } from './services.js';

export interface TestDatabase {
  /** Connection URL of the new database. */
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** `describe` that skips when the servers it needs are unreachable (global setup fails instead in CI). */
export function describeWith(needs: readonly ('postgres' | 'mysql')[]) {
  const services = inject('services');
  return needs.every((name) => services[name]) ? describe : describe.skip;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`.toLowerCase();
}

export async function createPostgresDatabase(prefix = 'cutover_test'): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  await withPostgresAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => withPostgresAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

export async function createMysqlDatabase(prefix = 'cutover_test'): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  await withMysqlAdmin((connection) => connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`));
  const url = new URL(MYSQL_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => withMysqlAdmin((connection) => connection.query(`DROP DATABASE IF EXISTS \`${name}\``)).then(() => undefined),
  };
}

export async function withPostgresAdmin<T>(fn: (client: pg.Client) => Promise<T>, url = POSTGRES_ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The rows of one statement, on a connection of its own. */
export function queryPostgres(url: string, text: string, values: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
  return withPostgresAdmin(async (client) => (await client.query(text, values as unknown[])).rows, url);
}

export async function withMysqlAdmin<T>(fn: (connection: mysql.Connection) => Promise<T>, url = MYSQL_ADMIN_URL): Promise<T> {
  const connection = await mysql.createConnection({ uri: url, multipleStatements: true });
  try {
    return await fn(connection);
  } finally {
    await connection.end();
  }
}

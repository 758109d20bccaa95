/** What the benchmark scripts share: database URLs and short-lived connections, number formatting, progress lines. */
import mysql from 'mysql2/promise';
import pg from 'pg';

/** `url` with its database replaced. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function withMysql<T>(url: string, fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const connection = await mysql.createConnection(url);
  try {
    return await fn(connection);
  } finally {
    await connection.end();
  }
}

export async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
export const log = (line: string) => process.stderr.write(`${line}\n`);

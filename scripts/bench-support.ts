/** What the benchmark scripts share: database URLs and short-lived connections, child processes, number formatting, progress lines. */
import { spawn, type ChildProcess } from 'node:child_process';
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

export type Command = [file: string, args: string[], env: Record<string, string>];

export function spawnCommand([file, args, env]: Command, stdio: ('pipe' | 'ignore')[]): ChildProcess {
  return spawn(file, args, { stdio, env: { ...process.env, ...env } });
}

/** Resolves when `child` exits 0; rejects with its stderr otherwise. */
export function finished(child: ChildProcess, name: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${name} failed (exit ${code}): ${stderr.trim()}`))));
  });
}

/**
 * The project's own target tables on a PostgreSQL-family target: numbered `.sql` files applied
 * once each, in name order, by kysely's Migrator, and recorded in the state schema.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { FatalError } from '../errors.js';

class SqlFileMigrationProvider implements MigrationProvider {
  constructor(readonly dir: string) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(this.dir)).filter((name) => name.endsWith('.sql')).sort();
    const migrations: Record<string, Migration> = {};
    for (const name of files) {
      const text = await readFile(path.join(this.dir, name), 'utf8');
      migrations[name] = { up: async (db) => void (await sql.raw(text).execute(db)) };
    }
    return migrations;
  }
}

/**
 * Applies the migrations of `dir` not applied yet; returns the names applied in this call. A file
 * that fails is a `FatalError` naming it; the files applied before it stay applied.
 */
export async function applyPgMigrations(db: Kysely<any>, dir: string, ledgerSchema: string): Promise<string[]> {
  await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(ledgerSchema)}`.execute(db);
  const migrator = new Migrator({
    db,
    provider: new SqlFileMigrationProvider(dir),
    migrationTableSchema: ledgerSchema,
    migrationTableName: 'target_migrations',
    migrationLockTableName: 'target_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new FatalError(`target migration ${failed} (in ${dir}) failed: ${(error as Error).message}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

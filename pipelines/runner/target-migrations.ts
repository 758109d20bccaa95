/**
 * The project's own target tables: numbered `.sql` files applied once each, in name order, by
 * kysely's Migrator. Applied migrations are recorded in the state schema.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { RunError } from '../errors.js';

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

/** Applies pending target migrations; returns the names applied in this call. */
export async function migrateTarget(db: Kysely<any>, dir: string, stateSchema: string): Promise<string[]> {
  await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(stateSchema)}`.execute(db);
  const migrator = new Migrator({
    db,
    provider: new SqlFileMigrationProvider(dir),
    migrationTableSchema: stateSchema,
    migrationTableName: 'target_migrations',
    migrationLockTableName: 'target_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new RunError(`target migration ${failed} (in ${dir}) failed: ${(error as Error).message}`, {
      cause: error,
      hint: 'fix the SQL file; migrations that succeeded before it stay applied',
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

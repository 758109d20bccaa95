/**
 * What every end-to-end migration test starts from: a seeded legacy CRM in MariaDB, an empty
 * PostgreSQL target, and a copy of the example project whose URLs point at both.
 */
import { seedLegacyMysql, type SeedLegacyMysqlOptions, type SeedSummary } from '../../scripts/seed-legacy-mysql.js';
import { copyExampleProject } from './cli.js';
import { createMysqlDatabase, createPostgresDatabase, queryPostgres, type TestDatabase } from './databases.js';

export interface MigrationSetup {
  readonly legacy: TestDatabase;
  readonly newcrm: TestDatabase;
  /** Folder of the copied example project. */
  readonly projectDir: string;
  readonly seed: SeedSummary;
  /** `LEGACY_URL` and `NEWCRM_URL` for the CLI. */
  env(): Record<string, string>;
  /** A statement on the target database. */
  target(text: string, values?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  remove(): Promise<void>;
}

export async function createMigrationSetup(prefix: string, seedOptions: SeedLegacyMysqlOptions = {}): Promise<MigrationSetup> {
  const [legacy, newcrm, project] = await Promise.all([createMysqlDatabase(`${prefix}_legacy`), createPostgresDatabase(`${prefix}_newcrm`), copyExampleProject()]);
  const remove = async () => {
    await Promise.all([legacy.drop(), newcrm.drop(), project.remove()]);
  };
  try {
    const seed = await seedLegacyMysql(legacy.url, seedOptions);
    return {
      legacy,
      newcrm,
      projectDir: project.dir,
      seed,
      env: () => ({ LEGACY_URL: legacy.url, NEWCRM_URL: newcrm.url }),
      target: (text, values) => queryPostgres(newcrm.url, text, values),
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

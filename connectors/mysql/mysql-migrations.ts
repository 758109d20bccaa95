/**
 * The project's target tables on MySQL/MariaDB: the `.sql` files of a folder, applied once each in
 * name order (`001_customers.sql`, `002_…`) and recorded in `<ledgerSchema>_target_migrations` in
 * the target database (MySQL has no schemas inside a database). A file may hold several statements.
 *
 * MySQL and MariaDB commit every DDL statement as it runs: a file that fails halfway leaves its
 * earlier statements applied, and is not recorded. The message says so.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { FatalError } from '../errors.js';
import { quoteMysqlName } from '../sql/quote-name.js';
import { RowRefusal, type MysqlSession } from './mysql-session.js';

/** How long a second process waits for the first to finish applying migrations. */
const LOCK_WAIT_SECONDS = 60;

/** ER_EMPTY_QUERY: a file of comments only. */
const EMPTY_QUERY = 1065;

/** Applies the files not applied yet; returns their names, in the order applied. */
export async function applyMysqlMigrations(session: MysqlSession, dir: string, ledgerSchema: string, where: string): Promise<string[]> {
  const files = await readdir(dir).catch((error: unknown) => {
    throw new FatalError(`${where}: cannot read the migrations folder ${dir}: ${(error as Error).message}`, { cause: error });
  });
  const names = files.filter((name) => name.endsWith('.sql')).sort();
  const ledgerName = `${ledgerSchema}_target_migrations`;
  const ledger = quoteMysqlName(ledgerName);
  await session.run(
    `CREATE TABLE IF NOT EXISTS ${ledger} (name VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY, ` +
      'applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)) ENGINE=InnoDB',
  );
  // Two runs starting together would both apply a file: the second waits for the first here.
  const lock = session.escape(`cutover:${ledgerName}`.slice(0, 64));
  const [got] = await session.run(`SELECT GET_LOCK(${lock}, ${LOCK_WAIT_SECONDS}) AS got`);
  if (Number(got?.got) !== 1) throw new FatalError(`${where}: another process has been applying the target migrations for ${LOCK_WAIT_SECONDS} s; wait for it, then run again`);
  try {
    const applied = new Set((await session.run(`SELECT name FROM ${ledger}`)).map((row) => String(row.name)));
    const now: string[] = [];
    for (const name of names) {
      if (applied.has(name)) continue;
      const file = path.join(dir, name);
      const text = await readFile(file, 'utf8');
      try {
        await session.run(text);
      } catch (error) {
        const errno = error instanceof RowRefusal ? error.errno : (error as { cause?: { errno?: unknown } }).cause?.errno;
        if (errno !== EMPTY_QUERY) {
          const reason = error instanceof RowRefusal ? error.serverMessage : (error as Error).message.replace(`${where}: `, '');
          throw new FatalError(
            `${where}: target migration ${name} (in ${dir}) failed: ${reason}; the server commits each DDL statement as it runs, so the statements before the failing one stay applied: undo them (or make them idempotent, CREATE TABLE IF NOT EXISTS), fix the file, then run again`,
            { cause: error },
          );
        }
      }
      await session.run(`INSERT INTO ${ledger} (name) VALUES (${session.escape(name)})`);
      now.push(name);
    }
    return now;
  } finally {
    await session.run(`DO RELEASE_LOCK(${lock})`).catch(() => undefined);
  }
}

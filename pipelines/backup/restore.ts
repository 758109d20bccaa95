/**
 * `cutover backup restore DIR --to URL [table…]`: a backup (plain or encrypted) loaded back into a
 * MySQL/MariaDB or PostgreSQL database, table by table. Each table is created from the column
 * kinds its manifest records (the connector decides the SQL type of each kind), filled in batches
 * from the backup file as the backup reader decodes it, and counted against the manifest.
 *
 * Nothing is loaded until every table has been checked: the key, each file's size, and that no
 * table to restore already holds rows (unless `replace`). While a table loads, its file is hashed
 * too; a SHA-256 other than the manifest's rolls the table back.
 */
import path from 'node:path';
import type { BackupKey } from '../../connectors/file/backup-cipher.js';
import type { BackupFile, BackupManifest } from '../../connectors/file/backup-manifest.js';
import { backupEntry, BackupTableSource } from '../../connectors/file/backup-source.js';
import { createTableLoader, type ResolvedConnection } from '../../connectors/registry.js';
import type { LoadTable, TableLoader, TableState } from '../../connectors/table-loader.js';
import type { Row } from '../../connectors/types.js';
import { RunError } from '../errors.js';
import { isStorableText, storableText, unstorableDetail } from '../state/storable-text.js';
import { sha256File } from './sha256-file.js';
import { assertBackupKey, assertFileSizes, loadManifest } from './verify.js';

export interface RestoreOptions {
  readonly dir: string;
  readonly key: BackupKey | null;
  /** The database to load into. */
  readonly target: ResolvedConnection;
  /** Tables (or file names) to restore; empty restores every table of the backup. */
  readonly only: readonly string[];
  /** Drop and re-create tables that already hold rows, instead of refusing them. */
  readonly replace: boolean;
  /** Rows per batch read from the file (the loader may take fewer). @default 1000 */
  readonly batchSize?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** True once the user asked to stop: the table in flight finishes, the next ones are left. */
  readonly stopRequested?: (() => boolean) | undefined;
  /** Called after each table, for the log. */
  readonly onTable?: ((table: RestoredTable) => void) | undefined;
}

export interface RestoredTable {
  readonly table: string;
  readonly file: string;
  /** How the table was found: `missing` (created), `empty` (loaded as it is), `filled` (replaced). */
  readonly found: TableState;
  /** Rows the manifest records. */
  readonly rows: number;
  /** `COUNT(*)` of the table after the restore. */
  readonly restoredRows: number;
  readonly ok: boolean;
}

export interface RestoreResult {
  readonly dir: string;
  /** `PostgreSQL host:5432/db`, never the password. */
  readonly target: string;
  readonly ok: boolean;
  readonly tables: readonly RestoredTable[];
  /** Tables left when a stop was requested. */
  readonly notRestored: readonly string[];
  /** True when every table of the backup was restored (none left out by name). */
  readonly whole: boolean;
}

const DEFAULT_BATCH_ROWS = 1_000;

export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const manifest = await loadManifest(options.dir);
  assertBackupKey(options.dir, manifest, options.key);
  const entries = selectEntries(manifest, options.dir, options.only);
  await assertFileSizes(options.dir, entries);
  const loader = await createTableLoader(options.target);
  try {
    const states = await checkTables(loader, entries, options.replace);
    const tables: RestoredTable[] = [];
    for (const [index, entry] of entries.entries()) {
      if (index > 0 && options.stopRequested?.()) {
        return { dir: options.dir, target: loader.where, ok: false, tables, notRestored: entries.slice(index).map((e) => e.table), whole: false };
      }
      const found = states[index]!;
      const restored = await restoreTable(loader, manifest, entry, found, options);
      tables.push(restored);
      options.onTable?.(restored);
    }
    return { dir: options.dir, target: loader.where, ok: tables.every((t) => t.ok), tables, notRestored: [], whole: entries.length === manifest.files.length };
  } finally {
    await loader.close();
  }
}

/** The manifest entries to restore, in manifest order; a table name may be restored only once into one database. */
function selectEntries(manifest: BackupManifest, dir: string, only: readonly string[]): BackupFile[] {
  const chosen = only.length === 0 ? [...manifest.files] : [...new Set(only.map((name) => backupEntry(manifest, dir, name)))];
  const byTable = new Map<string, BackupFile[]>();
  for (const entry of chosen) byTable.set(entry.table, [...(byTable.get(entry.table) ?? []), entry]);
  for (const [table, same] of byTable) {
    if (same.length > 1) {
      throw new RunError(
        `the backup holds table \`${table}\` from several connections (${same.map((e) => e.file).join(', ')}), and one database has one table of that name; restore them one at a time into different databases, naming the file (e.g. ${same[0]!.file})`,
      );
    }
  }
  return chosen;
}

/** How each table is found; refuses (before anything is loaded) tables that hold rows, unless `replace`. */
async function checkTables(loader: TableLoader, entries: readonly BackupFile[], replace: boolean): Promise<TableState[]> {
  const states: TableState[] = [];
  for (const entry of entries) states.push(await loader.tableState(entry.table));
  const filled = entries.filter((_, i) => states[i] === 'filled').map((e) => `\`${e.table}\``);
  if (filled.length > 0 && !replace) {
    throw new RunError(
      `${loader.where} already has rows in ${filled.length === 1 ? 'table' : 'tables'} ${filled.join(', ')}; nothing was restored: pass --replace to drop and re-create ${filled.length === 1 ? 'it' : 'them'} from the backup, or restore into an empty database`,
    );
  }
  return states;
}

async function restoreTable(loader: TableLoader, manifest: BackupManifest, entry: BackupFile, found: TableState, options: RestoreOptions): Promise<RestoredTable> {
  const table: LoadTable = {
    name: entry.table,
    key: entry.key,
    columns: entry.columns.map((c) => ({ name: c.name, kind: c.kind, sourceType: c.type, nullable: c.nullable })),
  };
  const mode = found === 'missing' ? 'create' : options.replace ? 'replace' : 'append';
  const inserted = await loader.load(table, backupBatches(loader, manifest, entry, options), { mode, signal: options.signal });
  const restoredRows = await loader.count(entry.table);
  return { table: entry.table, file: entry.file, found, rows: entry.rows, restoredRows, ok: inserted === entry.rows && restoredRows === entry.rows };
}

/**
 * The file's rows in batches, checked for what the database cannot hold; after the last batch,
 * the row count and the file's SHA-256 against the manifest (a throw here rolls the table back).
 */
async function* backupBatches(loader: TableLoader, manifest: BackupManifest, entry: BackupFile, options: RestoreOptions): AsyncGenerator<Row[]> {
  const file = path.join(options.dir, entry.file);
  // Hashed alongside the load: a changed byte in a plain file would otherwise load a changed value.
  const hashed = sha256File(file);
  hashed.catch(() => undefined);
  const reader = new BackupTableSource(options.dir, manifest, entry, options.key);
  const batchRows = Math.min(options.batchSize ?? DEFAULT_BATCH_ROWS, loader.capabilities.maxBatchRows);
  const textColumns = entry.columns.filter((c) => c.kind === 'text' || c.kind === 'mixed').map((c) => c.name);
  let batch: Row[] = [];
  let rows = 0;
  for await (const record of reader.recordsOf({ table: entry.table, key: entry.key ?? entry.columns[0]?.name ?? '' })) {
    if (!('data' in record)) throw new RunError(`${record.origin}: ${record.reason}; the backup file was changed after it was written`);
    for (const column of textColumns) {
      const value = record.data[column];
      if (typeof value === 'string' && !isStorableText(value)) assertStorable(loader, entry, record.origin, column, value);
    }
    batch.push(record.data);
    rows++;
    if (batch.length >= batchRows) {
      options.signal?.throwIfAborted();
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
  if (rows !== entry.rows) throw new RunError(`${file} holds ${rows} rows, the manifest says ${entry.rows}; the table was not restored (it was changed after the backup)`);
  const sha256 = await hashed;
  if (sha256 !== entry.sha256) {
    throw new RunError(`${file} has SHA-256 ${sha256.slice(0, 12)}…, the manifest says ${entry.sha256.slice(0, 12)}…: it was changed after the backup; the table was not restored`);
  }
}

/** A NUL where text cannot hold one (PostgreSQL), or a lone surrogate (no UTF-8 database holds one): refused by name. */
function assertStorable(loader: TableLoader, entry: BackupFile, origin: string, column: string, value: string): void {
  const rest = loader.capabilities.nulInText ? value.replaceAll('\u0000', '') : value;
  if (isStorableText(rest)) return;
  const detail = unstorableDetail(rest)!;
  const elsewhere = detail.startsWith('a NUL') ? 'restore this table into MySQL/MariaDB, ' : '';
  throw new RunError(
    `${storableText(origin)}: column \`${column}\` contains ${detail}, which ${loader.where} cannot store as text; table \`${entry.table}\` was not restored: ${elsewhere}or leave it out by naming the other tables`,
  );
}

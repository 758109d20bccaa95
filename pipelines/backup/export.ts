/**
 * `cutover backup`: every table of the project's source connections, raw (all columns, every
 * row, soft-deleted ones too), one file per table, then `manifest.json` with counts and checksums,
 * written last and atomically so that a folder without it is a backup that did not finish.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ENCRYPTED_EXTENSION, BACKUP_CIPHER, DEFAULT_CHUNK_BYTES, type BackupKey } from '../../connectors/file/backup-cipher.js';
import { MANIFEST_FILE, MANIFEST_VERSION, type BackupColumn, type BackupFile, type BackupFormat, type BackupManifest } from '../../connectors/file/backup-manifest.js';
import { ColumnKinds } from '../../connectors/file/backup-values.js';
import { createFileWriter } from '../../connectors/file/file-writer.js';
import { createSource, type ResolvedConnection } from '../../connectors/registry.js';
import type { Source, SourceEntity, TableInfo } from '../../connectors/types.js';
import type { Project } from '../config/project.js';
import { RunError } from '../errors.js';
import type { Logger } from '../logger.js';
import { packagePath } from '../package-root.js';
import { sha256File } from './sha256-file.js';

export interface BackupOptions {
  /** Folder to create (or an empty one). */
  readonly dir: string;
  readonly format: BackupFormat;
  /** Encrypts every file when given. */
  readonly key: BackupKey | null;
  /** Entity or table names to back up; empty backs up every table. */
  readonly only: readonly string[];
  readonly batchSize: number;
  readonly signal?: AbortSignal | undefined;
  /** Called after each batch, for a progress line. */
  readonly onProgress?: ((table: string, rows: number) => void) | undefined;
}

/** A table to export, resolved before any file is written. */
interface PlannedTable {
  readonly connection: ResolvedConnection;
  readonly source: Source;
  readonly table: string;
  readonly key: string | null;
  readonly cursor: string | undefined;
  readonly file: string;
}

/** Backs the project's sources up into `options.dir`; returns the manifest it wrote. */
export async function exportBackup(project: Project, options: BackupOptions, log: Logger): Promise<BackupManifest> {
  const createdAt = new Date().toISOString();
  const connections = sourceConnections(project);
  const sources = new Map(connections.map((connection) => [connection.name, createSource(connection)]));
  try {
    const plan = await planTables(project, connections, sources, options);
    await prepareFolder(options.dir);
    const files: BackupFile[] = [];
    for (const table of plan) {
      options.signal?.throwIfAborted();
      files.push(await exportTable(table, options, log));
    }
    const manifest: BackupManifest = {
      manifestVersion: MANIFEST_VERSION,
      cutoverVersion: cutoverVersion(),
      createdAt,
      completedAt: new Date().toISOString(),
      sources: connections.map((c) => ({ name: c.name, url: c.url.redacted })),
      format: options.format,
      encryption: options.key ? { algorithm: BACKUP_CIPHER, keyId: options.key.id, keyEnv: options.key.source, chunkBytes: DEFAULT_CHUNK_BYTES } : null,
      files,
    };
    await writeManifest(options.dir, manifest);
    return manifest;
  } finally {
    await Promise.allSettled([...sources.values()].map((source) => source.close()));
  }
}

/** The connections that entities read from, in entity order. */
export function sourceConnections(project: Project): ResolvedConnection[] {
  const names = [...new Set(project.entities.map((mapping) => mapping.source.connection))];
  return names.map((name) => project.connections.get(name)!);
}

async function planTables(project: Project, connections: readonly ResolvedConnection[], sources: ReadonlyMap<string, Source>, options: BackupOptions): Promise<PlannedTable[]> {
  const extension = `.${options.format}${options.key ? ENCRYPTED_EXTENSION : ''}`;
  const planned: PlannedTable[] = [];
  const wanted = new Set(options.only);
  const problems: string[] = [];
  for (const connection of connections) {
    const source = sources.get(connection.name)!;
    const mappings = project.entities.filter((m) => m.source.connection === connection.name);
    // A source that cannot list itself is backed up by the tables its mappings read.
    const tables: readonly TableInfo[] = source.listTables
      ? await source.listTables(options.signal)
      : mappings.map((m) => ({ name: m.source.table, primaryKey: source.capabilities.uniqueKeys ? [m.source.key] : [] }));
    for (const table of tables) {
      const mapping = mappings.find((m) => m.source.table === table.name);
      const selected = wanted.size === 0 || wanted.has(table.name) || (mapping !== undefined && wanted.has(mapping.entity));
      if (!selected) continue;
      wanted.delete(table.name);
      if (mapping) wanted.delete(mapping.entity);
      let key: string | null = null;
      if (table.primaryKey.length === 1) key = table.primaryKey[0]!;
      else if (source.capabilities.resumable) {
        problems.push(`table \`${table.name}\` of \`${connection.name}\` has ${table.primaryKey.length === 0 ? 'no primary key' : `a ${table.primaryKey.length}-column primary key`}; backups page by a single-column key`);
        continue;
      }
      // Tables a mapping reads by a cursor are written in its order (cursor, key), so a migration from the backup sees rows in the order it would see them in the database.
      const cursor = mapping?.source.cursor !== undefined && mapping.source.key === key && source.capabilities.resumable ? mapping.source.cursor : undefined;
      if (/[/\\\u0000]/.test(table.name) || table.name === '.' || table.name === '..') {
        problems.push(`table \`${table.name}\` of \`${connection.name}\` cannot name a backup file (it holds a path separator); name the tables to back up without it`);
        continue;
      }
      const base = connections.length > 1 ? `${connection.name}.${table.name}` : table.name;
      planned.push({ connection, source, table: table.name, key, cursor, file: `${base}${extension}` });
    }
  }
  if (wanted.size > 0) problems.push(`no table or entity named ${[...wanted].map((n) => `\`${n}\``).join(', ')} in the source connections`);
  if (problems.length > 0) throw new RunError(`cannot back up: ${problems.join('; ')}`, { hint: 'name the tables to back up after `cutover backup --to DIR`' });
  return planned;
}

/** Writes `manifest.json` last, and atomically: a crash before the rename leaves no manifest, so the folder reads as incomplete. */
export async function writeManifest(dir: string, manifest: BackupManifest): Promise<void> {
  const temporary = path.join(dir, `${MANIFEST_FILE}.tmp`);
  await writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, path.join(dir, MANIFEST_FILE));
}

/** The folder must be new or empty: a backup never mixes with older files. */
export async function prepareFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const entries = await readdir(dir);
  if (entries.length > 0) {
    const what = entries.includes(MANIFEST_FILE) ? 'already holds a backup' : `is not empty (${entries.slice(0, 5).join(', ')}${entries.length > 5 ? ', …' : ''}); a backup that did not finish leaves files but no manifest.json`;
    throw new RunError(`${dir} ${what}`, { hint: 'choose a new folder for the backup, or remove this one' });
  }
}

async function exportTable(plan: PlannedTable, options: BackupOptions, log: Logger): Promise<BackupFile> {
  const started = performance.now();
  const described = await plan.source.describe({ table: plan.table, key: plan.key ?? '' });
  const key = plan.key ?? described[0]?.name ?? '';
  const entity: SourceEntity = { table: plan.table, key, cursor: plan.cursor };
  const sourceRows = await plan.source.count(entity, options.signal);
  const columns = described.map((c) => c.name);
  const file = path.join(options.dir, plan.file);
  // In place, not renamed at the end: the manifest, written last, is what completes the folder.
  const writer = await createFileWriter(file, { format: options.format, columns, values: 'exact', key: options.key, inPlace: true, mode: 0o600, sheetName: sheetName(plan.file) });
  const kinds = new ColumnKinds(columns);
  try {
    for await (const batch of plan.source.read({ entity, batchSize: options.batchSize, signal: options.signal })) {
      const rows = batch.rows.map((row) => row.data);
      for (const reject of batch.rejects) {
        // A file record without its key is still a record to keep; a malformed one cannot be written faithfully.
        if (reject.payload !== null && typeof reject.payload === 'object' && !Array.isArray(reject.payload)) rows.push(reject.payload as Record<string, unknown>);
        else throw new RunError(`${reject.origin}: ${reject.reason}; the backup stopped because this record cannot be kept as it is`, { hint: 'fix the record in the source file, then back up again' });
      }
      for (const row of rows) kinds.observe(row);
      await writer.write(rows);
      options.onProgress?.(plan.table, rows.length);
    }
    await writer.close();
  } catch (error) {
    // The partial file stays (no manifest names it).
    await writer.discard();
    throw error;
  }
  // The bytes on disk, hashed as `backup verify` will hash them.
  const written = { rows: writer.rowsWritten, bytes: (await stat(file)).size, sha256: await sha256File(file), kinds: kinds.kinds };
  const seconds = (performance.now() - started) / 1000;
  log.info({ table: plan.table, file: plan.file, rows: written.rows, bytes: written.bytes, seconds: Number(seconds.toFixed(2)) }, `backed up ${plan.table}: ${written.rows} rows into ${plan.file}`);
  const columnInfo: BackupColumn[] = described.map((c, i) => ({ name: c.name, type: c.type, nullable: c.nullable, kind: written.kinds[i]! }));
  return {
    table: plan.table,
    connection: plan.connection.name,
    file: plan.file,
    key: plan.key,
    orderBy: plan.key === null ? [] : plan.cursor ? [plan.cursor, plan.key] : [plan.key],
    columns: columnInfo,
    rows: written.rows,
    bytes: written.bytes,
    sha256: written.sha256,
    sourceRows,
  };
}

/** The sheet of `customers.xlsx(.enc)` is `customers` (the writer makes it a name Excel accepts). */
function sheetName(file: string): string {
  return file.replace(/\.xlsx(\.enc)?$/i, '');
}

let version: string | null = null;

function cutoverVersion(): string {
  version ??= String((JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
  return version;
}

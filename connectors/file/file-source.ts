/**
 * The source behind a `file://` URL: it finds the file of an entity (in a folder, by table name)
 * and hands the work to the reader of its format.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ColumnInfo, ReadRequest, Source, SourceBatch, SourceEntity, TableInfo } from '../types.js';
import { FatalError } from '../errors.js';
import { FILE_EXTENSIONS, formatOfExtension, type FileConfig, type FileFormat } from './file-config.js';
import { readBackupManifest, type BackupManifest } from './backup-manifest.js';
import { BackupTableSource, backupEntry, backupTables } from './backup-source.js';
import { CsvSource } from './csv-source.js';
import { JsonSource } from './json-source.js';
import { JsonlSource } from './jsonl-source.js';
import { FILE_SOURCE_CAPABILITIES } from './record-batcher.js';
import { fileReadError } from './text-chunks.js';
import { XlsxSource } from './xlsx-source.js';

/** A file an entity resolved to. */
export interface EntityFile {
  readonly path: string;
  readonly format: FileFormat;
}

export class FileSource implements Source {
  readonly capabilities = FILE_SOURCE_CAPABILITIES;
  readonly #config: FileConfig;
  /** The folder's backup manifest, looked for once; null when the URL is not a backup folder. */
  #manifest: Promise<BackupManifest | null> | null = null;
  #closed = false;

  constructor(config: FileConfig) {
    this.#config = config;
  }

  /**
   * The batches of the entity's file. The file is checked at every batch boundary: an export
   * replaced, truncated or still being written while it is read stops the read with a
   * `FatalError` before a batch that may mix the two versions is handed on.
   */
  async *read(request: ReadRequest): AsyncGenerator<SourceBatch> {
    request.signal?.throwIfAborted();
    const { source, file } = await this.#resolve(request.entity);
    if (file === null) {
      yield* source.read(request);
      return;
    }
    const before = await fileIdentity(file);
    try {
      for await (const batch of source.read(request)) {
        await assertUnchanged(file, before);
        yield batch;
      }
    } catch (error) {
      // A half-written or truncated file often fails to parse first: the change is the real cause.
      if (error instanceof FileChangedError) throw error;
      await assertUnchanged(file, before, error);
      throw error;
    }
  }

  async count(entity: SourceEntity, signal?: AbortSignal): Promise<number> {
    return (await this.#sourceFor(entity)).count(entity, signal);
  }

  async describe(entity: SourceEntity): Promise<readonly ColumnInfo[]> {
    return (await this.#sourceFor(entity)).describe(entity);
  }

  /**
   * A backup folder: the manifest's tables, with their keys. Any other folder: its files of a
   * known format, by name without extension (with it, where two files share a name); a single
   * file: that file. Files have no primary key.
   */
  async listTables(): Promise<readonly TableInfo[]> {
    if (this.#closed) throw new FatalError(`${this.#config.url.redacted}: the source is closed`);
    const manifest = await this.#backupManifest();
    if (manifest) return backupTables(manifest);
    const info = await stat(this.#config.path).catch((error: unknown) => {
      throw fileReadError(this.#config.path, error);
    });
    if (info.isFile()) return [{ name: path.basename(this.#config.path), primaryKey: [] }];
    const files = (await listFiles(this.#config.path)).filter((name) => formatOfExtension(path.extname(name)) !== null);
    const bare = (name: string) => name.slice(0, name.length - path.extname(name).length);
    return files.map((name) => ({ name: files.filter((other) => bare(other) === bare(name)).length > 1 ? name : bare(name), primaryKey: [] }));
  }

  async close(): Promise<void> {
    // Readers open their file per read and close it when the read ends; closing only stops new reads.
    this.#closed = true;
  }

  async #sourceFor(entity: SourceEntity): Promise<Source> {
    return (await this.#resolve(entity)).source;
  }

  /** The reader of the entity and the export file it reads (null for a backup: its manifest has checksums). */
  async #resolve(entity: SourceEntity): Promise<{ source: Source; file: string | null }> {
    if (this.#closed) throw new FatalError(`${this.#config.url.redacted}: the source is closed`);
    const manifest = await this.#backupManifest();
    if (manifest) return { source: new BackupTableSource(this.#config.path, manifest, backupEntry(manifest, this.#config.path, entity.table), this.#config.key), file: null };
    const file = await resolveEntityFile(this.#config, entity.table);
    return { source: createFormatSource(file, this.#config), file: file.path };
  }

  /** A folder with a `manifest.json` is a backup made by `cutover backup`. */
  #backupManifest(): Promise<BackupManifest | null> {
    this.#manifest ??= stat(this.#config.path).then(
      (info) => (info.isDirectory() ? readBackupManifest(this.#config.path) : null),
      () => null,
    );
    return this.#manifest;
  }
}

/** The reader for one file, with the connection's options. */
export function createFormatSource(file: EntityFile, config: FileConfig): Source {
  switch (file.format) {
    case 'csv':
      return new CsvSource(file.path, {
        encoding: config.encoding,
        delimiter: config.delimiter,
        headerRow: config.headerRow,
        empty: config.empty,
        maxQuotedLines: config.maxQuotedLines,
        maxQuotedChars: config.maxQuotedChars,
      });
    case 'xlsx':
      return new XlsxSource(file.path, { sheet: config.sheet, headerRow: config.headerRow });
    case 'json':
      return new JsonSource(file.path, { encoding: config.encoding });
    case 'jsonl':
      return new JsonlSource(file.path, { encoding: config.encoding });
  }
}

/**
 * The file to read for `table`:
 * - a single-file URL: that file (`table` is ignored);
 * - a folder and a table with a known extension (`customers.csv`): that file in the folder;
 * - a folder and a bare name (`customers`): the one file named `customers` plus a known extension
 *   (`.csv`, `.tsv`, `.txt`, `.xlsx`, `.jsonl`, `.ndjson`, `.json`, in any case). None or several is
 *   a `FatalError` that lists what the folder holds.
 */
export async function resolveEntityFile(config: FileConfig, table: string): Promise<EntityFile> {
  const info = await stat(config.path).catch((error: unknown) => {
    throw fileReadError(config.path, error);
  });
  if (info.isFile()) {
    const format = config.format ?? formatOfExtension(path.extname(config.path));
    if (format === null) throw new FatalError(`${config.path}: cannot tell the file's format from its name; use one of the extensions ${knownExtensions()}`);
    return { path: config.path, format };
  }
  if (!info.isDirectory()) throw new FatalError(`${config.path} is neither a file nor a folder`);
  return resolveInFolder(config.path, table);
}

async function resolveInFolder(folder: string, table: string): Promise<EntityFile> {
  if (table === '' || table === '.' || table === '..' || /[/\\]/.test(table)) {
    throw new FatalError(`Expected the table to be a file name inside ${folder} (e.g. customers or customers.csv), got \`${table}\``);
  }
  const files = await listFiles(folder);
  const format = formatOfExtension(path.extname(table));
  if (format !== null) {
    if (files.includes(table)) return { path: path.join(folder, table), format };
    throw new FatalError(`${path.join(folder, table)}: file not found; the folder holds ${describeFiles(files)}`);
  }
  const matches = files.filter((name) => {
    const extension = path.extname(name);
    return name.slice(0, name.length - extension.length) === table && formatOfExtension(extension) !== null;
  });
  // Lookup order of the extensions, so that the message lists them predictably.
  const order = (name: string) => FILE_EXTENSIONS.findIndex(([ext]) => ext === path.extname(name).toLowerCase());
  matches.sort((a, b) => order(a) - order(b));
  const [match] = matches;
  if (match !== undefined && matches.length === 1) return { path: path.join(folder, match), format: formatOfExtension(path.extname(match))! };
  if (matches.length > 1) {
    throw new FatalError(
      `Several files in ${folder} match table \`${table}\`: ${matches.join(', ')}; name the one to read with its extension (e.g. table: ${matches[0]})`,
    );
  }
  throw new FatalError(`No file for table \`${table}\` in ${folder}: expected one of ${FILE_EXTENSIONS.map(([ext]) => table + ext).join(', ')}; the folder holds ${describeFiles(files)}`);
}

async function listFiles(folder: string): Promise<string[]> {
  try {
    const entries = await readdir(folder, { withFileTypes: true });
    return entries.filter((entry) => entry.isFile() || entry.isSymbolicLink()).map((entry) => entry.name).sort();
  } catch (error) {
    throw fileReadError(folder, error);
  }
}

/** What tells two versions of a file apart cheaply: a new inode (replaced), a new size or time (rewritten). */
interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

async function fileIdentity(file: string): Promise<FileIdentity> {
  const { dev, ino, size, mtimeMs } = await stat(file).catch((error: unknown) => {
    throw fileReadError(file, error);
  });
  return { dev, ino, size, mtimeMs };
}

/** The export changed under the reader; the batches committed before it stay valid. */
export class FileChangedError extends FatalError {}

async function assertUnchanged(file: string, before: FileIdentity, cause?: unknown): Promise<void> {
  const now = await stat(file).catch(() => null);
  let change: string | null = null;
  if (now === null) change = 'was removed';
  else if (now.dev !== before.dev || now.ino !== before.ino) change = 'was replaced by another file';
  else if (now.size < before.size) change = `was truncated (${before.size} → ${now.size} bytes)`;
  else if (now.size !== before.size || now.mtimeMs !== before.mtimeMs) change = `was written to (${before.size} → ${now.size} bytes)`;
  if (change === null) return;
  throw new FileChangedError(
    `${file} ${change} while it was read; the batches committed before the change are kept and nothing read after it was written. ` +
      'Run again once the export is complete',
    cause === undefined ? undefined : { cause },
  );
}

const LISTED_FILES = 20;

function describeFiles(files: readonly string[]): string {
  if (files.length === 0) return 'no files';
  const listed = files.slice(0, LISTED_FILES).join(', ');
  return files.length > LISTED_FILES ? `${listed} and ${files.length - LISTED_FILES} more` : listed;
}

function knownExtensions(): string {
  return FILE_EXTENSIONS.map(([ext]) => ext).join(', ');
}

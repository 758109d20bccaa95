/**
 * A backup folder (made by `cutover backup`, with its manifest.json) read as a source: the
 * mapping's `table: customers` finds the manifest's entry for `customers`, `.enc` files are
 * decrypted on the fly, and values are decoded by the kinds the manifest records, so that the rows
 * are the ones the database driver gave (see backup-values.ts).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ColumnInfo, SourceEntity, TableInfo } from '../types.js';
import { FatalError } from '../errors.js';
import { decryptChunks, type BackupKey } from './backup-cipher.js';
import type { BackupFile, BackupManifest } from './backup-manifest.js';
import { decodeBackupValue, quotedFields } from './backup-values.js';
import { readCsvRecords, type CsvReadOptions } from './csv-records.js';
import { JsonlSource } from './jsonl-source.js';
import type { ReadMeter } from './read-meter.js';
import { assertNoWhere, RecordFileSource, setField, type FileRecord } from './record-batcher.js';
import { fileReadError, readTextChunks } from './text-chunks.js';
import { XlsxSource } from './xlsx-source.js';

/**
 * A backup's CSV is written by cutover, quoting included, so a long value is real: any number of
 * line breaks, and as many characters as a record could hold before quotes were bounded.
 */
const BACKUP_CSV: CsvReadOptions = { delimiter: ',', maxQuotedLines: Number.MAX_SAFE_INTEGER, maxQuotedChars: 32 * 1024 * 1024 };

/** One table of a backup folder. */
export class BackupTableSource extends RecordFileSource {
  readonly #manifest: BackupManifest;
  readonly #entry: BackupFile;
  readonly #key: BackupKey | null;
  readonly #path: string;

  constructor(dir: string, manifest: BackupManifest, entry: BackupFile, key: BackupKey | null) {
    super();
    this.#manifest = manifest;
    this.#entry = entry;
    this.#key = key;
    this.#path = path.join(dir, entry.file);
    if (manifest.encryption !== null && key === null) {
      throw new FatalError(
        `${this.#path} is encrypted (key ${manifest.encryption.keyId}); name the variable that holds the key in the connection URL, e.g. file://${dir}?key_env=${manifest.encryption.keyEnv}`,
      );
    }
  }

  /** The columns as the source database described them, with their types. */
  async describe(_entity: SourceEntity): Promise<readonly ColumnInfo[]> {
    return this.#entry.columns.map(({ name, type, nullable }) => ({ name, type, nullable }));
  }

  protected async *records(entity: SourceEntity, checkKey: boolean, meter?: ReadMeter): AsyncGenerator<FileRecord> {
    assertNoWhere(entity, this.#path);
    const columns = this.#entry.columns;
    if (checkKey && !columns.some((c) => c.name === entity.key)) {
      throw new FatalError(`${this.#path}: the key column \`${entity.key}\` is not in the backup (columns: ${columns.map((c) => `\`${c.name}\``).join(', ')}); check \`key:\` in the mapping's source`);
    }
    const raw = this.#manifest.format === 'csv' ? this.#csvRecords(meter) : this.#manifest.format === 'jsonl' ? this.#jsonlRecords(entity, meter) : this.#xlsxRecords(entity, meter);
    for await (const record of raw) {
      if (!('data' in record)) throw new FatalError(`${record.origin}: ${record.reason}; the backup file was changed after it was written`);
      const data: Record<string, unknown> = {};
      for (const column of columns) setField(data, column.name, decodeBackupValue(record.data[column.name], column.kind, record.origin));
      yield { origin: record.origin, data };
    }
  }

  /** The file's bytes, decrypted when it is an `.enc` file; `meter` counts them as stored (encrypted). */
  #bytes(meter?: ReadMeter): AsyncIterable<Buffer> {
    const stream = createReadStream(this.#path, { highWaterMark: 64 * 1024 });
    const file = this.#path;
    const key = this.#key;
    const encrypted = this.#manifest.encryption !== null;
    return (async function* () {
      try {
        if (meter) meter.bytesTotal = (await stat(file)).size;
        const stored = meter ? meter.count(stream) : (stream as AsyncIterable<Buffer>);
        if (encrypted) yield* decryptChunks(stored, key!, file);
        else yield* stored;
      } catch (error) {
        throw fileReadError(file, error);
      } finally {
        stream.destroy();
      }
    })();
  }

  /** CSV with `,` and a header; an empty unquoted field is NULL, `""` is the empty string. */
  async *#csvRecords(meter?: ReadMeter): AsyncGenerator<FileRecord> {
    const label = this.#entry.file;
    const names = this.#entry.columns.map((c) => c.name);
    let header = true;
    for await (const record of readCsvRecords(readTextChunks(this.#path, 'utf-8', () => this.#bytes(meter)), BACKUP_CSV, this.#path)) {
      const origin = `${label}:${record.line}`;
      if (record.problem !== null || record.fields.length !== names.length) {
        yield { origin, reason: record.problem?.reason ?? `the record has ${record.fields.length} fields, the manifest ${names.length} columns`, payload: record.text };
        continue;
      }
      if (header) {
        header = false;
        if (record.fields.some((name, i) => name !== names[i])) throw new FatalError(`${origin}: the header does not match the manifest's columns; the file was changed after the backup`);
        continue;
      }
      const quoted = quotedFields(record.text, ',');
      const data: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) {
        const field = record.fields[i]!;
        setField(data, names[i]!, field === '' && !quoted[i] ? null : field);
      }
      yield { origin, data };
    }
  }

  async *#jsonlRecords(entity: SourceEntity, meter?: ReadMeter): AsyncGenerator<FileRecord> {
    const source = new JsonlSource(this.#path, { openBytes: () => this.#bytes(meter) });
    yield* source.recordsOf(entity);
  }

  /** XLSX needs random access (its zip directory is at the end): an encrypted one is decrypted to a private temporary file first. */
  async *#xlsxRecords(entity: SourceEntity, meter?: ReadMeter): AsyncGenerator<FileRecord> {
    let file = this.#path;
    let temporary: string | null = null;
    try {
      if (this.#manifest.encryption !== null) {
        temporary = await mkdtemp(path.join(tmpdir(), 'cutover-backup-'));
        file = path.join(temporary, this.#entry.file.replace(/\.enc$/, ''));
        await pipeline(this.#bytes(), createWriteStream(file, { mode: 0o600 }));
      }
      const source = new XlsxSource(file, { keepEmptyStrings: true, trimHeader: false });
      // Decrypting to the temporary file is not metered: the sheet's progress starts after it.
      yield* source.recordsOf(entity, meter);
    } finally {
      if (temporary) await rm(temporary, { recursive: true, force: true });
    }
  }
}

/** The manifest's entry for `table` (`customers`, or its file name `customers.csv`). */
export function backupEntry(manifest: BackupManifest, dir: string, table: string): BackupFile {
  const matches = manifest.files.filter((f) => f.table === table || f.file === table || f.file.replace(/\.enc$/, '') === table);
  if (matches.length === 1) return matches[0]!;
  const tables = manifest.files.map((f) => f.table).join(', ');
  if (matches.length === 0) throw new FatalError(`No table \`${table}\` in the backup ${dir}; its manifest lists ${tables || 'no tables'}`);
  throw new FatalError(`Table \`${table}\` is in the backup ${dir} from several connections (${matches.map((m) => m.file).join(', ')}); name the file, e.g. table: ${matches[0]!.file}`);
}

/** The tables of a backup, as {@link Source.listTables} reports them. */
export function backupTables(manifest: BackupManifest): TableInfo[] {
  return manifest.files.map((f) => ({ name: f.table, primaryKey: f.key === null ? [] : [f.key] }));
}

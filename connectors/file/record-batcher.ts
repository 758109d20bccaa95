/**
 * What every file source shares: the record stream a reader produces, its cut into bounded
 * `SourceBatch`es, the key check, the header check, and the refusal of `where`.
 */
import type { ColumnInfo, ReadRequest, Source, SourceBatch, SourceCapabilities, SourceEntity, SourceRejection, SourceRow } from '../types.js';
import { FatalError } from '../errors.js';
import { quoteName } from '../shown-name.js';
import { escapedBytes } from './escaped-utf8.js';
import { ReadMeter } from './read-meter.js';

/**
 * File exports are re-read whole: no watermark (`after` is ignored), no `where`, and a key may
 * repeat within a file (the runner checks keys against those already seen in the run).
 */
export const FILE_SOURCE_CAPABILITIES: SourceCapabilities = Object.freeze({ resumable: false, pushdownWhere: false, uniqueKeys: false, keyLookup: false });

/** One record of a file, as a reader produces it: a row's data, or the reason it is not one. */
export type FileRecord =
  | { readonly origin: string; readonly data: Readonly<Record<string, unknown>> }
  | {
      readonly origin: string;
      readonly reason: string;
      /** The raw text (a CSV record, a JSON Lines line) or the partial record. */
      readonly payload: unknown;
      /** The legacy key, when the reader could tell it; otherwise it is looked up in an object payload. */
      readonly key?: string | null | undefined;
    };

/**
 * Cuts a record stream into batches of at most `batchSize` records (rows plus rejects), checking
 * the key of every row. The watermark's key is the ordinal of the batch's last record, counting
 * rejected ones; its cursor is null (file sources are not resumable).
 *
 * Nothing is read ahead: the next record is pulled only when the consumer asks for the next batch.
 * An abort stops the read with the signal's reason (an `AbortError` by default); breaking out of
 * the loop returns the record stream, whose `finally` closes the file. `meter`, which the record
 * stream feeds, gives each batch its position in the file.
 */
export async function* batchRecords(records: AsyncIterable<FileRecord>, request: ReadRequest, meter?: ReadMeter): AsyncGenerator<SourceBatch> {
  const { entity, batchSize, signal } = request;
  assertBatchSize(batchSize);
  signal?.throwIfAborted();
  let rows: SourceRow[] = [];
  let rejects: SourceRejection[] = [];
  let ordinal = 0;
  const undecodable = new UndecodableRecords();
  for await (const record of records) {
    signal?.throwIfAborted();
    ordinal++;
    if ('reason' in record) {
      rejects.push({ key: record.key ?? keyText(record.payload, entity.key), origin: record.origin, reason: record.reason, payload: record.payload });
    } else {
      const key = keyText(record.data, entity.key);
      const bytes = undecodable.check(record);
      if (bytes !== null) rejects.push({ key, origin: record.origin, reason: bytes, payload: record.data });
      else if (key === null) rejects.push({ key: null, origin: record.origin, reason: missingKeyReason(record.data, entity.key), payload: record.data });
      else rows.push({ key, data: record.data, origin: record.origin });
    }
    if (rows.length + rejects.length >= batchSize) {
      undecodable.assertRare(ordinal);
      yield { rows, rejects, last: { cursor: null, key: ordinal }, position: meter?.position() };
      rows = [];
      rejects = [];
    }
  }
  signal?.throwIfAborted();
  undecodable.assertRare(ordinal);
  // The whole file is read by now, whatever the meter's last chunk said.
  const end = meter?.position();
  if (rows.length + rejects.length > 0) yield { rows, rejects, last: { cursor: null, key: ordinal }, position: end && { done: end.total, total: end.total } };
}

/**
 * Records holding bytes the file's encoding does not allow (escaped by the UTF-8 decoder): each is
 * rejected alone, naming the field and the bytes, so that one corrupt row does not stop the file.
 * When they are not rare (over a tenth of the records read, checked before each batch is handed
 * on), the file is in another encoding and the read stops, saying which option to set.
 */
class UndecodableRecords {
  #count = 0;
  #first: string | null = null;

  /** The reject reason when `record` holds escaped bytes, else null. */
  check(record: { readonly origin: string; readonly data: Readonly<Record<string, unknown>> }): string | null {
    for (const [field, value] of Object.entries(record.data)) {
      const bytes = typeof value === 'string' ? escapedBytes(value) : null;
      if (bytes === null) continue;
      this.#count++;
      this.#first ??= `${record.origin}, field \`${field}\`: ${bytes}`;
      return `field \`${field}\` holds bytes that are not valid utf-8 (${bytes}); fix the row, or if the export uses another encoding, set ?encoding= on the connection URL`;
    }
    return null;
  }

  /** Throws when over a tenth of the `records` read so far hold undecodable bytes. */
  assertRare(records: number): void {
    if (this.#count * 10 <= records) return;
    const file = this.#first!.replace(/(:\d+|\[\d+\]),.*$/s, '');
    throw new FatalError(
      `${file} is not valid utf-8 (${this.#count} of the first ${records} records hold bytes that are not; first at ${this.#first}). ` +
        'If the export uses another encoding, say so in the connection URL, e.g. file://./export?encoding=windows-1252 (Latin-1) or ?encoding=gb18030; or convert the file to UTF-8',
    );
  }
}

/** Number of records (rows and malformed ones), streamed. */
export async function countRecords(records: AsyncIterable<FileRecord>, signal: AbortSignal | undefined): Promise<number> {
  signal?.throwIfAborted();
  let count = 0;
  for await (const _record of records) {
    count++;
    if (count % 1024 === 0) signal?.throwIfAborted();
  }
  return count;
}

/** File sources cannot evaluate SQL; a `where` would otherwise be silently ignored and load rows out of scope. */
export function assertNoWhere(entity: SourceEntity, file: string): void {
  if (entity.where !== undefined && entity.where.trim() !== '') {
    throw new FatalError(
      `${file}: file sources do not support \`where\` (got \`${entity.where}\`); remove it from the mapping's source and ` +
        'use `filter:` rules in the mapping to leave rows out (they are counted as filtered)',
    );
  }
}

/** A file's header: the column names, and where a cell was written otherwise (spaces around it). */
export interface FileHeader {
  /** Column names in file order. */
  readonly names: readonly string[];
  /** Per column, the cell as the file has it when that is not the name; null where it is. */
  readonly written: readonly (string | null)[];
}

/**
 * A header row as column names, trimmed: spaces around a header cell (`id, given_name`) are never
 * part of the name a mapping means. `trim: false` keeps the cells exactly (a backup's columns are
 * the database's own names). Refused (see {@link assertHeader}) when names are empty or repeat.
 */
export function readHeader(cells: readonly string[], where: string, options: { trim: boolean } = { trim: true }): FileHeader {
  const names = options.trim ? cells.map((cell) => cell.trim()) : [...cells];
  const written = cells.map((cell, index) => (cell === names[index] ? null : cell));
  assertHeader(names, where, written);
  return { names, written };
}

/** Columns as {@link Source.describe} gives them: files have text, and say how a trimmed header cell was written. */
export function headerColumns(header: FileHeader, type: string): ColumnInfo[] {
  return header.names.map((name, index) => {
    const written = header.written[index];
    return written === null || written === undefined ? { name, type, nullable: true } : { name, type, nullable: true, header: written };
  });
}

/**
 * Refuses a header that would make rows ambiguous: duplicate or empty column names. `where` is
 * `customers.csv:1` or `book.xlsx!sheet:1`; `written` tells how trimmed cells were written.
 */
export function assertHeader(columns: readonly string[], where: string, written: readonly (string | null)[] = []): void {
  const problems: string[] = [];
  const empty = columns.flatMap((name, index) => (name.trim() === '' ? [index + 1] : []));
  if (empty.length > 0) problems.push(`empty column names at position${empty.length > 1 ? 's' : ''} ${empty.join(', ')}`);
  const positions = new Map<string, number[]>();
  columns.forEach((name, index) => {
    if (name.trim() !== '') positions.set(name, [...(positions.get(name) ?? []), index + 1]);
  });
  const duplicates = [...positions]
    .filter(([, at]) => at.length > 1)
    .map(([name, at]) => {
      const cells = at.map((position) => written[position - 1] ?? name);
      const spelled = cells.some((cell) => cell !== name) ? `; written ${cells.map(quoteName).join(', ')}` : '';
      return `${quoteName(name)} (positions ${at.join(', ')}${spelled})`;
    });
  if (duplicates.length > 0) problems.push(`duplicate column names ${duplicates.join(', ')}`);
  if (problems.length > 0) {
    throw new FatalError(`${where}: the header has ${problems.join(' and ')}; every row would be ambiguous. Name each column once in the file's header`);
  }
}

/** The key column must be in the header; otherwise every row would be rejected one by one. */
export function assertKeyColumn(columns: readonly string[], key: string, where: string): void {
  if (!columns.includes(key)) {
    throw new FatalError(`${where}: the key column ${quoteName(key)} is not in the header (columns: ${columns.map(quoteName).join(', ')}); check \`key:\` in the mapping's source`);
  }
}

/**
 * Sets a column of a record built from a header. A column named `__proto__` becomes an own
 * property instead of replacing the record's prototype.
 */
export function setField(record: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
  else record[name] = value;
}

function keyText(data: unknown, key: string): string | null {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null;
  const value = (data as Record<string, unknown>)[key];
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return null;
}

function missingKeyReason(data: Readonly<Record<string, unknown>>, key: string): string {
  if (!(key in data)) return `the key column \`${key}\` is missing from the record`;
  const value = data[key];
  if (value === null || value === '') return `the key column \`${key}\` is empty`;
  return `the key column \`${key}\` holds ${Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`}, not a string or number`;
}

function assertBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new TypeError(`Expected \`batchSize\` to be an integer ≥ 1, got \`${String(batchSize)}\` (${typeof batchSize})`);
  }
}

/**
 * What every file source shares: each read, count and describe opens the file anew and closes it
 * when done (or when the consumer stops), so there is nothing to keep open between them.
 */
export abstract class RecordFileSource implements Source {
  readonly capabilities = FILE_SOURCE_CAPABILITIES;

  /**
   * Every record of the file; `checkKey` asserts the key column exists (not needed to count).
   * `meter`, when given, is fed the bytes taken in (for progress).
   */
  protected abstract records(entity: SourceEntity, checkKey: boolean, meter?: ReadMeter): AsyncGenerator<FileRecord>;

  abstract describe(entity: SourceEntity): Promise<readonly ColumnInfo[]>;

  read(request: ReadRequest): AsyncGenerator<SourceBatch> {
    const meter = new ReadMeter();
    return batchRecords(this.records(request.entity, true, meter), request, meter);
  }

  count(entity: SourceEntity, signal?: AbortSignal): Promise<number> {
    return countRecords(this.records(entity, false), signal);
  }

  /** Every record, malformed ones included, without the key check: for readers built on this one (backups). */
  recordsOf(entity: SourceEntity, meter?: ReadMeter): AsyncGenerator<FileRecord> {
    return this.records(entity, false, meter);
  }

  async close(): Promise<void> {}

  /** For JSON sources: the keys of the first object. */
  protected async describeFirstObject(entity: SourceEntity): Promise<readonly ColumnInfo[]> {
    for await (const record of this.records(entity, false)) {
      if ('data' in record) return Object.keys(record.data).map((name) => ({ name, type: 'json', nullable: true }));
    }
    return [];
  }
}

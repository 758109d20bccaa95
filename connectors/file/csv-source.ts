/**
 * Reads one CSV (or TSV, or delimited .txt) file as a source. Values are the fields exactly as in
 * the file: strings, untrimmed, an empty field is `''` (or, with `empty: 'empty_string'`, NULL
 * unless quoted); types are the mapping's business. Header names are trimmed (`id, given_name`
 * has a column `given_name`); `describe()` says which were written with spaces.
 */
import type { ColumnInfo, SourceEntity } from '../types.js';
import { FatalError } from '../errors.js';
import { quotedFields } from './backup-values.js';
import { readCsvRecords, type CsvRecord } from './csv-records.js';
import type { EmptyField } from './file-config.js';
import type { ReadMeter } from './read-meter.js';
import { assertKeyColumn, assertNoWhere, headerColumns, readHeader, RecordFileSource, setField, type FileHeader, type FileRecord } from './record-batcher.js';
import { fileLabel, readTextChunks } from './text-chunks.js';

export interface CsvSourceOptions {
  /** WHATWG encoding label; a byte-order mark overrides it. @default 'utf-8' */
  readonly encoding?: string;
  /** Field delimiter; null sniffs it. @default null */
  readonly delimiter?: string | null;
  /** 1-based line of the header; blank lines are skipped. @default 1 */
  readonly headerRow?: number;
  /**
   * `null`: every empty field is `''` (which a mapping's `empty_as_null` loads as NULL);
   * `empty_string`: a quoted `""` is `''` and an unquoted empty field is NULL.
   * @default 'null'
   */
  readonly empty?: EmptyField;
  /** Line breaks a quoted value may hold before its quote is taken for one never closed. @default 1000 */
  readonly maxQuotedLines?: number;
  /** Characters a quoted value may hold, likewise. @default 8 Mi */
  readonly maxQuotedChars?: number;
}

/**
 * @example
 * const source = new CsvSource('/srv/export/customers.csv', { delimiter: ';' });
 * for await (const batch of source.read({ entity: { table: 'customers', key: 'id' }, batchSize: 500 })) …
 */
export class CsvSource extends RecordFileSource {
  readonly file: string;
  readonly #encoding: string;
  readonly #delimiter: string | null;
  readonly #headerRow: number;
  readonly #emptyString: boolean;
  readonly #maxQuotedLines: number | undefined;
  readonly #maxQuotedChars: number | undefined;
  readonly #label: string;

  constructor(file: string, options: CsvSourceOptions = {}) {
    super();
    this.file = file;
    this.#encoding = options.encoding ?? 'utf-8';
    this.#delimiter = options.delimiter ?? null;
    this.#headerRow = options.headerRow ?? 1;
    this.#emptyString = options.empty === 'empty_string';
    this.#maxQuotedLines = options.maxQuotedLines;
    this.#maxQuotedChars = options.maxQuotedChars;
    this.#label = fileLabel(file);
  }

  async describe(_entity: SourceEntity): Promise<readonly ColumnInfo[]> {
    for await (const record of this.#csvRecords()) {
      if (record.line < this.#headerRow) continue;
      return headerColumns(this.#header(record), 'text');
    }
    return [];
  }

  protected async *records(entity: SourceEntity, checkKey: boolean, meter?: ReadMeter): AsyncGenerator<FileRecord> {
    assertNoWhere(entity, this.file);
    let header: readonly string[] | null = null;
    let sawRecord = false;
    for await (const record of this.#csvRecords(meter)) {
      sawRecord = true;
      if (header === null) {
        if (record.line < this.#headerRow) continue;
        header = this.#header(record).names;
        if (checkKey) assertKeyColumn(header, entity.key, `${this.#label}:${record.line}`);
        continue;
      }
      yield toFileRecord(record, header, `${this.#label}:${record.line}`, entity.key, this.#emptyString);
    }
    if (header === null && sawRecord) {
      throw new FatalError(`${this.file}: no header found at or after line ${this.#headerRow} (\`header_row\`); the file has fewer lines`);
    }
  }

  #csvRecords(meter?: ReadMeter): AsyncGenerator<CsvRecord> {
    const options = { delimiter: this.#delimiter, headerRow: this.#headerRow, maxQuotedLines: this.#maxQuotedLines, maxQuotedChars: this.#maxQuotedChars };
    return readCsvRecords(readTextChunks(this.file, this.#encoding, undefined, meter), options, this.file);
  }

  #header(record: CsvRecord): FileHeader {
    const where = `${this.#label}:${record.line}`;
    if (record.problem !== null) throw new FatalError(`${where}: the header is malformed (${record.problem.reason})`);
    return readHeader(record.fields, where);
  }
}

function toFileRecord(record: CsvRecord, header: readonly string[], origin: string, key: string, emptyString: boolean): FileRecord {
  const keyIndex = header.indexOf(key);
  const keyValue = keyIndex >= 0 ? record.fields[keyIndex] : undefined;
  const knownKey = keyValue === undefined || keyValue === '' ? null : keyValue;
  if (record.problem !== null) return { origin, reason: record.problem.reason, payload: record.text, key: knownKey };
  if (record.fields.length !== header.length) {
    const more = record.fields.length > header.length;
    return {
      origin,
      reason: `the record has ${record.fields.length} fields but the header has ${header.length} (${more ? 'an unquoted delimiter in a value?' : 'a value missing, or a line break in an unquoted value?'})`,
      payload: record.text,
      key: knownKey,
    };
  }
  // Only a record with an empty field needs to know which fields were quoted.
  const quoted = emptyString && record.fields.includes('') ? quotedFields(record.text, record.delimiter) : null;
  const data: Record<string, string | null> = {};
  for (let i = 0; i < header.length; i++) {
    const field = record.fields[i]!;
    setField(data, header[i]!, quoted !== null && field === '' && !quoted[i] ? null : field);
  }
  return { origin, data };
}

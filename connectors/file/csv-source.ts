/**
 * Reads one CSV (or TSV, or delimited .txt) file as a source. Values are the fields exactly as in
 * the file: strings, untrimmed, an empty field is `''`; types are the mapping's business.
 */
import type { ColumnInfo, SourceEntity } from '../types.js';
import { FatalError } from '../errors.js';
import { readCsvRecords, type CsvRecord } from './csv-records.js';
import { assertHeader, assertKeyColumn, assertNoWhere, RecordFileSource, setField, type FileRecord } from './record-batcher.js';
import { fileLabel, readTextChunks } from './text-chunks.js';

export interface CsvSourceOptions {
  /** WHATWG encoding label; a byte-order mark overrides it. @default 'utf-8' */
  readonly encoding?: string;
  /** Field delimiter; null sniffs it. @default null */
  readonly delimiter?: string | null;
  /** 1-based line of the header; blank lines are skipped. @default 1 */
  readonly headerRow?: number;
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
  readonly #label: string;

  constructor(file: string, options: CsvSourceOptions = {}) {
    super();
    this.file = file;
    this.#encoding = options.encoding ?? 'utf-8';
    this.#delimiter = options.delimiter ?? null;
    this.#headerRow = options.headerRow ?? 1;
    this.#label = fileLabel(file);
  }

  async describe(_entity: SourceEntity): Promise<readonly ColumnInfo[]> {
    for await (const record of this.#csvRecords()) {
      if (record.line < this.#headerRow) continue;
      return this.#header(record).map((name) => ({ name, type: 'text', nullable: true }));
    }
    return [];
  }

  protected async *records(entity: SourceEntity, checkKey: boolean): AsyncGenerator<FileRecord> {
    assertNoWhere(entity, this.file);
    let header: readonly string[] | null = null;
    let sawRecord = false;
    for await (const record of this.#csvRecords()) {
      sawRecord = true;
      if (header === null) {
        if (record.line < this.#headerRow) continue;
        header = this.#header(record);
        if (checkKey) assertKeyColumn(header, entity.key, `${this.#label}:${record.line}`);
        continue;
      }
      yield toFileRecord(record, header, `${this.#label}:${record.line}`, entity.key);
    }
    if (header === null && sawRecord) {
      throw new FatalError(`${this.file}: no header found at or after line ${this.#headerRow} (\`header_row\`); the file has fewer lines`);
    }
  }

  #csvRecords(): AsyncGenerator<CsvRecord> {
    return readCsvRecords(readTextChunks(this.file, this.#encoding), { delimiter: this.#delimiter, headerRow: this.#headerRow }, this.file);
  }

  #header(record: CsvRecord): readonly string[] {
    const where = `${this.#label}:${record.line}`;
    if (record.problem !== null) throw new FatalError(`${where}: the header is malformed (${record.problem}); fix its quoting`);
    assertHeader(record.fields, where);
    return record.fields;
  }
}

function toFileRecord(record: CsvRecord, header: readonly string[], origin: string, key: string): FileRecord {
  const keyIndex = header.indexOf(key);
  const keyValue = keyIndex >= 0 ? record.fields[keyIndex] : undefined;
  const knownKey = keyValue === undefined || keyValue === '' ? null : keyValue;
  if (record.problem !== null) {
    return { origin, reason: `malformed quoting: ${lowerFirst(record.problem)}; a quote inside a quoted field is written twice ("")`, payload: record.text, key: knownKey };
  }
  if (record.fields.length !== header.length) {
    const more = record.fields.length > header.length;
    return {
      origin,
      reason: `the record has ${record.fields.length} fields but the header has ${header.length} (${more ? 'an unquoted delimiter in a value?' : 'a value missing, or a line break in an unquoted value?'})`,
      payload: record.text,
      key: knownKey,
    };
  }
  const data: Record<string, string> = {};
  for (let i = 0; i < header.length; i++) setField(data, header[i]!, record.fields[i]!);
  return { origin, data };
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

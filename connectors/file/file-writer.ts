/**
 * The one streaming record writer, for CSV, JSON Lines and XLSX: rejects lists, review files,
 * reports, backups and generated exports. Rows are encoded as they come, and each `write()` waits
 * until the bytes have drained: memory holds one batch, never the file. Where the bytes go (a file
 * replaced whole, a backup file written in place and maybe encrypted, stdout) is
 * write-destination.ts; how values are spelled is the writer's {@link ValueForm}.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import type { Row } from '../types.js';
import { backupCsvLine, backupJsonLine, backupXlsxValue, escapeOoxml } from './backup-values.js';
import { guardFormula } from './formula-guard.js';
import { loadExcelJs, type ExcelJsModule } from './load-exceljs.js';
import { openFileDestination, openStreamDestination, type FileDestinationOptions, type WriteDestination } from './write-destination.js';

export const FILE_WRITE_FORMATS = ['csv', 'jsonl', 'xlsx'] as const;
export type FileWriteFormat = (typeof FILE_WRITE_FORMATS)[number];

/**
 * How values are spelled.
 * - `readable`: for people, and for programs that read an export. `Date` values are wall-clock
 *   times carried in their UTC fields: `yyyy-MM-dd HH:mm:ss` text in CSV and JSON Lines, date
 *   cells in XLSX. `null` and `undefined` are empty CSV fields, JSON `null` and empty cells;
 *   objects are JSON text. The XLSX sheet has a frozen bold header and sized columns.
 * - `exact`: the text forms of backup-values.ts, which a backup reader turns back into the values
 *   the database driver gave: NULL and `''` kept apart in CSV, bytes as base64. A plain sheet.
 */
export const VALUE_FORMS = ['readable', 'exact'] as const;
export type ValueForm = (typeof VALUE_FORMS)[number];

export interface FileWriterOptions {
  readonly format: FileWriteFormat;
  /** Column order; the CSV header and the XLSX first row. */
  readonly columns: readonly string[];
  /** @default 'readable' */
  readonly values?: ValueForm | undefined;
  /** Start a CSV file with a UTF-8 byte-order mark, as Excel expects for non-ASCII text. @default false */
  readonly bom?: boolean | undefined;
  /** Name of the single XLSX sheet, made one Excel accepts (see {@link excelSheetName}). @default 'data' */
  readonly sheetName?: string | undefined;
  /**
   * Guard CSV cells a spreadsheet would run as a formula (formula-guard.ts): for files a person
   * opens (rejects, review files). Off for data read back by programs, which must hold the values
   * exactly; refused with `exact` values. XLSX cells are strings either way. @default false
   */
  readonly guardFormulas?: boolean | undefined;
}

/** A file's options: how its records are written, and how the file is (write-destination.ts). */
export interface FileTargetOptions extends FileWriterOptions, FileDestinationOptions {}

/** Writes rows to one file. `close()` flushes, puts the file in place and is idempotent. */
export interface RecordWriter {
  readonly path: string;
  /** Rows written so far. */
  readonly rowsWritten: number;
  write(rows: readonly Row[]): Promise<void>;
  /** A failure here discards the file as `discard()` does, then throws. */
  close(): Promise<void>;
  /** Stops after a failure: the rows written so far are thrown away and the previous file stays. Idempotent. */
  discard(): Promise<void>;
}

/**
 * Opens a writer of one file; parent folders are created.
 * @example
 * const writer = await createFileWriter('out/rejects.csv', { format: 'csv', columns: ['key', 'reason'], bom: true, guardFormulas: true });
 * try { await writer.write(rows); } catch (error) { await writer.discard(); throw error; }
 * await writer.close();
 */
export async function createFileWriter(filePath: string, options: FileTargetOptions): Promise<RecordWriter> {
  const encoding = valueEncoding(options);
  const excel = options.format === 'xlsx' ? await loadExcelJs() : null;
  await mkdir(path.dirname(filePath), { recursive: true });
  return new StreamingRecordWriter(openFileDestination(filePath, options), (input) => openEncoder(excel, input, options, encoding));
}

/**
 * A writer of the same records to a stream that stays open (stdout): nothing is renamed, and
 * `discard()` can only stop writing. `path` is `<stdout>`.
 */
export async function createStreamWriter(stream: Writable, options: FileWriterOptions): Promise<RecordWriter> {
  const encoding = valueEncoding(options);
  const excel = options.format === 'xlsx' ? await loadExcelJs() : null;
  return new StreamingRecordWriter(openStreamDestination(stream), (input) => openEncoder(excel, input, options, encoding));
}

/** Turns rows into the bytes of one format, written into a destination's input. */
interface RecordEncoder {
  /** Encodes rows, without waiting for them to drain. */
  add(rows: readonly Row[]): void;
  /** Encodes what is left (the header of an empty file, the end of a workbook) and ends the input. */
  finish(): Promise<void>;
}

class StreamingRecordWriter implements RecordWriter {
  readonly #destination: WriteDestination;
  readonly #encoder: RecordEncoder;
  #rows = 0;
  #ended = false;

  constructor(destination: WriteDestination, encoder: (input: Writable) => RecordEncoder) {
    this.#destination = destination;
    this.#encoder = encoder(destination.input);
  }

  get path(): string {
    return this.#destination.path;
  }

  get rowsWritten(): number {
    return this.#rows;
  }

  async write(rows: readonly Row[]): Promise<void> {
    if (this.#ended) throw new Error(`${this.path}: write() after close() or discard()`);
    if (rows.length === 0) return;
    this.#encoder.add(rows);
    this.#rows += rows.length;
    await this.#destination.drained();
  }

  async close(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    try {
      await this.#encoder.finish().catch((error: unknown) => Promise.reject(this.#destination.explain(error)));
      await this.#destination.complete();
    } catch (error) {
      await this.#destination.discard();
      throw error;
    }
  }

  async discard(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.#destination.discard();
  }
}

function openEncoder(excel: ExcelJsModule | null, input: Writable, options: FileWriterOptions, encoding: ValueEncoding): RecordEncoder {
  const { columns } = options;
  if (excel) return new SheetEncoder(excel, input, columns, excelSheetName(options.sheetName ?? 'data'), encoding);
  if (options.format === 'jsonl') return new LineEncoder(input, '', (row) => encoding.jsonRecord(columns, row));
  return new LineEncoder(input, (options.bom ? '\uFEFF' : '') + encoding.csvHeader(columns), (row) => encoding.csvRecord(columns.map((c) => row[c])));
}

class LineEncoder implements RecordEncoder {
  readonly #input: Writable;
  readonly #line: (row: Row) => string;
  /** Written with the first rows, or alone by `finish()`: a writer to stdout discarded before any row writes nothing. */
  #header: string;

  constructor(input: Writable, header: string, line: (row: Row) => string) {
    this.#input = input;
    this.#header = header;
    this.#line = line;
  }

  add(rows: readonly Row[]): void {
    let chunk = this.#header;
    this.#header = '';
    for (const row of rows) chunk += this.#line(row);
    this.#input.write(chunk);
  }

  async finish(): Promise<void> {
    if (this.#header !== '') this.#input.write(this.#header);
    this.#header = '';
    this.#input.end();
  }
}

class SheetEncoder implements RecordEncoder {
  readonly #workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  readonly #sheet: ExcelJS.Worksheet;
  readonly #columns: readonly string[];
  readonly #encoding: ValueEncoding;

  constructor(excel: ExcelJsModule, input: Writable, columns: readonly string[], sheetName: string, encoding: ValueEncoding) {
    this.#columns = columns;
    this.#encoding = encoding;
    // exceljs ends the stream it is given once the zip is written: the destination's input.
    this.#workbook = new excel.stream.xlsx.WorkbookWriter({ stream: input, useSharedStrings: false, useStyles: encoding.styledSheet });
    if (encoding.styledSheet) {
      this.#sheet = this.#workbook.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
      this.#sheet.columns = columns.map((name) => ({ header: escapeOoxml(name), key: name, width: Math.min(Math.max(name.length + 2, 12), 60) }));
      this.#sheet.getRow(1).font = { bold: true };
    } else {
      this.#sheet = this.#workbook.addWorksheet(sheetName);
      this.#sheet.addRow(columns.map(escapeOoxml)).commit();
    }
  }

  add(rows: readonly Row[]): void {
    for (const row of rows) {
      const added = this.#sheet.addRow(this.#columns.map((c) => this.#encoding.xlsxCell(row[c])));
      if (this.#encoding.styledSheet) {
        for (const [index, column] of this.#columns.entries()) {
          if (row[column] instanceof Date) added.getCell(index + 1).numFmt = 'yyyy-mm-dd hh:mm:ss';
        }
      }
      added.commit();
    }
  }

  async finish(): Promise<void> {
    await this.#workbook.commit();
  }
}

/**
 * A name Excel accepts for a sheet: at most 31 characters, none of `[]:*?/\`, no apostrophe first
 * or last, not `History` (reserved); `data` when nothing is left. exceljs's streaming writer checks
 * none of this, and Excel refuses (or "repairs") a workbook that breaks it.
 * @example excelSheetName('opportunity_line_items to review') // 'opportunity_line_items to revie'
 */
export function excelSheetName(name: string): string {
  const safe = name
    .replace(/[[\]:*?/\\]/g, '_')
    .slice(0, 31)
    .replace(/[\uD800-\uDBFF]$/, '')
    .replace(/^'+|'+$/g, '');
  return safe === '' || safe.toLowerCase() === 'history' ? 'data' : safe;
}

/** The spelling of values in each format, for one {@link ValueForm}. */
interface ValueEncoding {
  /** A frozen bold header, sized columns and date cells, for people. */
  readonly styledSheet: boolean;
  csvHeader(columns: readonly string[]): string;
  csvRecord(values: readonly unknown[]): string;
  jsonRecord(columns: readonly string[], row: Row): string;
  xlsxCell(value: unknown): ExcelJS.CellValue;
}

function valueEncoding(options: FileWriterOptions): ValueEncoding {
  if ((options.values ?? 'readable') === 'exact') {
    if (options.guardFormulas) throw new RangeError('Expected `guardFormulas` to be false with `exact` values, got `true`: a guarded cell is not the exact value');
    return { styledSheet: false, csvHeader: backupCsvLine, csvRecord: backupCsvLine, jsonRecord: backupJsonLine, xlsxCell: backupXlsxValue };
  }
  const csvRecord = options.guardFormulas ? (values: readonly unknown[]) => csvLine(values.map((value) => guardFormula(csvText(value)))) : csvLine;
  return { styledSheet: true, csvHeader: csvLine, csvRecord, jsonRecord: jsonLine, xlsxCell: xlsxValue };
}

/**
 * A readable cell: text as a string cell (never a formula, whatever its first character), with the
 * characters XML cannot carry or would change (control characters, CR) escaped as Excel reads them.
 */
function xlsxValue(value: unknown): ExcelJS.CellValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Date || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return escapeOoxml(value);
  if (typeof value === 'bigint') return value.toString();
  return escapeOoxml(JSON.stringify(value));
}

/** One RFC 4180 record of readable text: fields with a comma, quote, CR or LF (or edge spaces) are quoted and quotes doubled. */
export function csvLine(values: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += ',';
    line += csvField(values[i]);
  }
  return line + '\r\n';
}

function csvField(value: unknown): string {
  const text = csvText(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

function jsonLine(columns: readonly string[], row: Row): string {
  const record: Record<string, unknown> = {};
  for (const column of columns) {
    const value = row[column];
    record[column] = value instanceof Date ? wallClock(value) : typeof value === 'bigint' ? value.toString() : value ?? null;
  }
  return JSON.stringify(record) + '\n';
}

/** A value as readable CSV text: `Date` as wall-clock `yyyy-MM-dd HH:mm:ss`, objects as JSON, null as empty. */
export function csvText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return wallClock(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** `yyyy-MM-dd HH:mm:ss` from the UTC fields of a date that carries a wall-clock time. */
export function wallClock(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

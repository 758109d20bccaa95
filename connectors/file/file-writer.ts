/**
 * Streaming record writers for CSV, JSON Lines and XLSX files: rejects, review files, backups and
 * generated exports. Rows are written as they come; memory holds one batch, never the file. The
 * rows go to a `.…partial` file beside the final one, renamed into place by `close()`: a process
 * killed while it writes leaves the previous file whole.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import type ExcelJS from 'exceljs';
import { loadExcelJs, type ExcelJsModule } from './load-exceljs.js';
import type { Row } from '../types.js';
import { asErrorOf, partialPath } from './replace-file.js';

export const FILE_WRITE_FORMATS = ['csv', 'jsonl', 'xlsx'] as const;
export type FileWriteFormat = (typeof FILE_WRITE_FORMATS)[number];

export interface FileWriterOptions {
  readonly format: FileWriteFormat;
  /** Column order; the CSV header and the XLSX first row. */
  readonly columns: readonly string[];
  /** Start a CSV file with a UTF-8 byte-order mark, as Excel expects for non-ASCII text. @default false */
  readonly bom?: boolean;
  /** Name of the single XLSX sheet. @default 'data' */
  readonly sheetName?: string;
}

/** Writes rows to one file. `close()` flushes, puts the file in place and is idempotent. */
export interface RecordWriter {
  readonly path: string;
  /** Rows written so far. */
  readonly rowsWritten: number;
  write(rows: readonly Row[]): Promise<void>;
  close(): Promise<void>;
  /** Stops after a failure: the rows written so far are thrown away and the previous file stays. Idempotent. */
  discard(): Promise<void>;
}

/**
 * Opens a writer; parent folders are created.
 * `Date` values are wall-clock times carried in their UTC fields: `yyyy-MM-dd HH:mm:ss` text in
 * CSV and JSON Lines, date cells in XLSX. `null` and `undefined` are empty CSV fields, JSON `null`
 * and empty cells.
 */
export async function createFileWriter(filePath: string, options: FileWriterOptions): Promise<RecordWriter> {
  await mkdir(path.dirname(filePath), { recursive: true });
  switch (options.format) {
    case 'csv':
      return new TextRecordWriter(filePath, options.columns, (row) => csvLine(options.columns.map((c) => row[c])), options.bom ? '\uFEFF' + csvLine(options.columns) : csvLine(options.columns));
    case 'jsonl':
      return new TextRecordWriter(filePath, options.columns, (row) => jsonLine(options.columns, row), '');
    case 'xlsx':
      return new XlsxRecordWriter(await loadExcelJs(), filePath, options.columns, options.sheetName ?? 'data');
  }
}

class TextRecordWriter implements RecordWriter {
  readonly #stream: WriteStream;
  readonly #format: (row: Row) => string;
  readonly #partial: string;
  #rows = 0;
  #closed = false;

  constructor(readonly path: string, _columns: readonly string[], format: (row: Row) => string, header: string) {
    this.#partial = partialPath(path);
    this.#stream = createWriteStream(this.#partial, { encoding: 'utf8' });
    this.#format = format;
    if (header) this.#stream.write(header);
  }

  get rowsWritten(): number {
    return this.#rows;
  }

  async write(rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    let chunk = '';
    for (const row of rows) chunk += this.#format(row);
    this.#rows += rows.length;
    if (!this.#stream.write(chunk)) await once(this.#stream, 'drain').catch((error: unknown) => Promise.reject(asErrorOf(error, this.#partial, this.path)));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await new Promise<void>((resolve, reject) => {
      this.#stream.once('error', (error) => reject(asErrorOf(error, this.#partial, this.path)));
      this.#stream.end(resolve);
    });
    await rename(this.#partial, this.path).catch((error: unknown) => Promise.reject(asErrorOf(error, this.#partial, this.path)));
  }

  async discard(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Destroyed before its open completed, the stream still creates the file: wait for it to close first.
    const closed = this.#stream.closed ? Promise.resolve() : once(this.#stream, 'close').catch(() => undefined);
    this.#stream.destroy();
    await closed;
    await rm(this.#partial, { force: true });
  }
}

class XlsxRecordWriter implements RecordWriter {
  readonly #workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  readonly #sheet: ExcelJS.Worksheet;
  readonly #columns: readonly string[];
  readonly #partial: string;
  #rows = 0;
  #closed = false;

  constructor(ExcelJS: ExcelJsModule, readonly path: string, columns: readonly string[], sheetName: string) {
    this.#columns = columns;
    this.#partial = partialPath(path);
    this.#workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: this.#partial, useSharedStrings: false, useStyles: true });
    this.#sheet = this.#workbook.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
    this.#sheet.columns = columns.map((name) => ({ header: name, key: name, width: Math.min(Math.max(name.length + 2, 12), 60) }));
    this.#sheet.getRow(1).font = { bold: true };
  }

  get rowsWritten(): number {
    return this.#rows;
  }

  async write(rows: readonly Row[]): Promise<void> {
    for (const row of rows) {
      const added = this.#sheet.addRow(this.#columns.map((c) => xlsxValue(row[c])));
      for (const [index, column] of this.#columns.entries()) {
        if (row[column] instanceof Date) added.getCell(index + 1).numFmt = 'yyyy-mm-dd hh:mm:ss';
      }
      added.commit();
    }
    this.#rows += rows.length;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#workbook.commit();
    await rename(this.#partial, this.path);
  }

  async discard(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // The workbook's file stream is closed by finishing it; what it wrote is removed after.
    await this.#workbook.commit().catch(() => undefined);
    await rm(this.#partial, { force: true });
  }
}

function xlsxValue(value: unknown): ExcelJS.CellValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Date || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}

/** One RFC 4180 record: fields with a comma, quote, CR or LF are quoted and quotes doubled. */
export function csvLine(values: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += ',';
    line += csvField(values[i]);
  }
  return line + '\r\n';
}

function csvField(value: unknown): string {
  const text = textOf(value);
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

function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return wallClock(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** `yyyy-MM-dd HH:mm:ss` from the UTC fields of a date that carries a wall-clock time. */
export function wallClock(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Streaming record writers for CSV, JSON Lines and XLSX files: rejects, review files, backups and
 * generated exports. Rows are written as they come; memory holds one batch, never the file. The
 * rows go to a `.…partial` file beside the final one, renamed into place by `close()`: a process
 * killed while it writes leaves the previous file whole.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { PassThrough, type Writable } from 'node:stream';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import type ExcelJS from 'exceljs';
import { loadExcelJs, type ExcelJsModule } from './load-exceljs.js';
import type { Row } from '../types.js';
import { asErrorOf, partialPath } from './replace-file.js';
import { escapeOoxml } from './backup-values.js';
import { guardFormula } from './formula-guard.js';

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
  /**
   * Guard CSV cells a spreadsheet would run as a formula (formula-guard.ts): for files a person
   * opens (rejects, review files). Off for data read back by programs, which must hold the values
   * exactly. XLSX cells are strings either way. @default false
   */
  readonly guardFormulas?: boolean;
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
  if (options.format === 'xlsx') return new XlsxRecordWriter(await loadExcelJs(), { file: filePath }, options.columns, options.sheetName ?? 'data');
  return new TextRecordWriter(filePath, textFormat(options));
}

/**
 * A writer of the same records to a stream that stays open (stdout): nothing is renamed, and
 * `discard()` can only stop writing. `path` is `<stdout>`.
 */
export async function createStreamWriter(stream: Writable, options: FileWriterOptions): Promise<RecordWriter> {
  if (options.format === 'xlsx') return new XlsxRecordWriter(await loadExcelJs(), { stream }, options.columns, options.sheetName ?? 'data');
  return new StreamTextWriter(stream, textFormat(options));
}

interface TextFormat {
  readonly header: string;
  line(row: Row): string;
}

function textFormat(options: FileWriterOptions): TextFormat {
  const { columns } = options;
  if (options.format === 'jsonl') return { header: '', line: (row) => jsonLine(columns, row) };
  const cell = options.guardFormulas ? (value: unknown) => guardFormula(csvText(value)) : (value: unknown) => value;
  return { header: (options.bom ? '\uFEFF' : '') + csvLine(columns), line: (row) => csvLine(columns.map((c) => cell(row[c]))) };
}

class TextRecordWriter implements RecordWriter {
  readonly #stream: WriteStream;
  readonly #format: TextFormat;
  readonly #partial: string;
  #rows = 0;
  #closed = false;

  constructor(readonly path: string, format: TextFormat) {
    this.#partial = partialPath(path);
    this.#stream = createWriteStream(this.#partial, { encoding: 'utf8' });
    this.#format = format;
    if (format.header) this.#stream.write(format.header);
  }

  get rowsWritten(): number {
    return this.#rows;
  }

  async write(rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    let chunk = '';
    for (const row of rows) chunk += this.#format.line(row);
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

class StreamTextWriter implements RecordWriter {
  readonly path = '<stdout>';
  readonly #stream: Writable;
  readonly #format: TextFormat;
  readonly #reader: ReaderWatch;
  #pendingHeader: string;
  #rows = 0;

  constructor(stream: Writable, format: TextFormat) {
    this.#stream = stream;
    this.#format = format;
    this.#pendingHeader = format.header;
    this.#reader = watchReader(stream);
  }

  get rowsWritten(): number {
    return this.#rows;
  }

  async write(rows: readonly Row[]): Promise<void> {
    let chunk = this.#pendingHeader;
    this.#pendingHeader = '';
    for (const row of rows) chunk += this.#format.line(row);
    this.#rows += rows.length;
    this.#reader.check();
    if (chunk === '' || this.#reader.gone) return;
    if (!this.#stream.write(chunk)) await Promise.race([once(this.#stream, 'drain'), this.#reader.leaving]);
    this.#reader.check();
  }

  /** Writes the header of an empty file; the stream stays open. */
  async close(): Promise<void> {
    try {
      await this.write([]);
    } finally {
      this.#reader.stop();
    }
  }

  async discard(): Promise<void> {
    this.#pendingHeader = '';
    this.#reader.stop();
  }
}

/**
 * Whether the reader of a stream has gone (EPIPE: `| head` read what it wanted): the rest is not
 * wanted, which is no failure. Any other error of the stream is thrown by `check()`.
 */
interface ReaderWatch {
  readonly gone: boolean;
  /** Settles when the stream fails: a write waiting for `drain` then waits no longer. */
  readonly leaving: Promise<void>;
  check(): void;
  stop(): void;
}

function watchReader(stream: Writable): ReaderWatch {
  let gone = false;
  let failure: Error | null = null;
  let settle!: () => void;
  const leaving = new Promise<void>((resolve) => (settle = resolve));
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') gone = true;
    else failure ??= error;
    settle();
  };
  stream.on('error', onError);
  return {
    get gone() {
      return gone;
    },
    leaving,
    check() {
      if (failure) throw failure;
    },
    stop() {
      stream.off('error', onError);
    },
  };
}

class XlsxRecordWriter implements RecordWriter {
  readonly path: string;
  readonly #workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  readonly #sheet: ExcelJS.Worksheet;
  readonly #columns: readonly string[];
  /** The temporary file renamed into place, or (to a stream) the pass-through that forwards the zip without ending the stream. */
  readonly #output: { partial: string } | { through: PassThrough; forwarded: Promise<unknown> };
  #rows = 0;
  #closed = false;

  constructor(ExcelJS: ExcelJsModule, target: { file: string } | { stream: Writable }, columns: readonly string[], sheetName: string) {
    this.#columns = columns;
    let destination: { filename: string } | { stream: Writable };
    if ('file' in target) {
      this.path = target.file;
      const partial = partialPath(target.file);
      this.#output = { partial };
      destination = { filename: partial };
    } else {
      this.path = '<stdout>';
      // exceljs ends the stream it is given once the zip is written; stdout must stay open.
      const through = new PassThrough();
      through.pipe(target.stream, { end: false });
      const reader = watchReader(target.stream);
      // A reader gone: the pipe lets go of the stream, and the rest of the zip drains into nothing.
      void reader.leaving.then(() => reader.gone && through.resume());
      const forwarded = once(through, 'end').finally(() => reader.stop());
      forwarded.catch(() => undefined); // awaited by close(); a failure before then is not unhandled
      this.#output = { through, forwarded };
      destination = { stream: through };
    }
    this.#workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ ...destination, useSharedStrings: false, useStyles: true });
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
    if ('partial' in this.#output) await rename(this.#output.partial, this.path);
    else await this.#output.forwarded;
  }

  async discard(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if ('through' in this.#output) {
      // What reached the stream stays there; the workbook is left unfinished.
      this.#output.through.unpipe();
      this.#output.through.destroy();
      return;
    }
    // The workbook's file stream is closed by finishing it; what it wrote is removed after.
    await this.#workbook.commit().catch(() => undefined);
    await rm(this.#output.partial, { force: true });
  }
}

/**
 * A cell: text as a string cell (never a formula, whatever its first character), with the
 * characters XML cannot carry or would change (control characters, CR) escaped as Excel reads them.
 */
function xlsxValue(value: unknown): ExcelJS.CellValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Date || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return escapeOoxml(value);
  if (typeof value === 'bigint') return value.toString();
  return escapeOoxml(JSON.stringify(value));
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

/** A value as CSV text: `Date` as wall-clock `yyyy-MM-dd HH:mm:ss`, objects as JSON, null as empty. */
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

/**
 * Streams one table into one backup file (CSV, JSON Lines or XLSX, optionally encrypted), in the
 * text forms of connectors/file/backup-values.ts. Memory holds one batch; the XLSX writer commits
 * each row as it goes.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type ExcelJS from 'exceljs';
import { loadExcelJs, type ExcelJsModule } from '../../connectors/file/load-exceljs.js';
import { createEncryptStream, type BackupKey } from '../../connectors/file/backup-cipher.js';
import type { BackupFormat } from '../../connectors/file/backup-manifest.js';
import { backupCsvLine, backupJsonLine, backupXlsxValue, ColumnKinds, escapeOoxml, type ValueKind } from '../../connectors/file/backup-values.js';
import type { Row } from '../../connectors/types.js';

export interface BackupWriterOptions {
  readonly format: BackupFormat;
  readonly columns: readonly string[];
  /** Encrypts the file when given. */
  readonly key: BackupKey | null;
}

/** What a closed writer reports for the manifest. */
export interface WrittenFile {
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
  readonly kinds: readonly ValueKind[];
}

export class BackupWriter {
  readonly #file: string;
  readonly #columns: readonly string[];
  readonly #format: BackupFormat;
  readonly #kinds: ColumnKinds;
  /** Where text goes: the file, or the encrypting stream in front of it. */
  readonly #out: Writable;
  readonly #done: Promise<void>;
  readonly #sheet: ExcelJS.Worksheet | null = null;
  readonly #workbook: ExcelJS.stream.xlsx.WorkbookWriter | null = null;
  #rows = 0;

  private constructor(ExcelJS: ExcelJsModule | null, file: string, options: BackupWriterOptions) {
    this.#file = file;
    this.#columns = options.columns;
    this.#format = options.format;
    this.#kinds = new ColumnKinds(options.columns);
    const disk = createWriteStream(file, { mode: 0o600 });
    if (options.key) {
      const cipher = createEncryptStream(options.key);
      this.#out = cipher;
      this.#done = pipeline(cipher, disk);
    } else {
      const through = new PassThrough();
      this.#out = through;
      this.#done = pipeline(through, disk);
    }
    this.#done.catch(() => undefined);
    if (options.format === 'xlsx' && ExcelJS) {
      this.#workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: this.#out, useSharedStrings: false, useStyles: false });
      this.#sheet = this.#workbook.addWorksheet(sheetName(file));
      this.#sheet.addRow(options.columns.map(escapeOoxml)).commit();
    } else if (options.format === 'csv') {
      this.#out.write(backupCsvLine(options.columns));
    }
  }

  static async open(file: string, options: BackupWriterOptions): Promise<BackupWriter> {
    return new BackupWriter(options.format === 'xlsx' ? await loadExcelJs() : null, file, options);
  }

  async write(rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    for (const row of rows) this.#kinds.observe(row);
    this.#rows += rows.length;
    if (this.#sheet) {
      for (const row of rows) this.#sheet.addRow(this.#columns.map((c) => backupXlsxValue(row[c]))).commit();
      // exceljs writes into the stream without waiting; wait here so that memory stays one batch.
      if (this.#out.writableNeedDrain) await once(this.#out, 'drain');
      return;
    }
    let chunk = '';
    if (this.#format === 'csv') for (const row of rows) chunk += backupCsvLine(this.#columns.map((c) => row[c]));
    else for (const row of rows) chunk += backupJsonLine(this.#columns, row);
    if (!this.#out.write(chunk)) await once(this.#out, 'drain');
  }

  /** Flushes, closes, then hashes the bytes on disk (what `backup verify` will hash). */
  async close(): Promise<WrittenFile> {
    if (this.#workbook) await this.#workbook.commit();
    else this.#out.end();
    await this.#done;
    const { size } = await stat(this.#file);
    return { rows: this.#rows, bytes: size, sha256: await sha256File(this.#file), kinds: this.#kinds.kinds };
  }

  /** Stops writing after a failure; the partial file stays (no manifest names it). */
  abort(): void {
    this.#out.destroy();
  }
}

/** SHA-256 of a file's bytes, streamed, in hex. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Excel allows 31 characters and no `[]:*?/\` in a sheet name. */
function sheetName(file: string): string {
  const base = file.split(/[\\/]/).pop()!.replace(/\.(xlsx)(\.enc)?$/i, '');
  return base.replace(/[[\]:*?/\\]/g, '_').slice(0, 31) || 'data';
}

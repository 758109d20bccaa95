/**
 * Reads one sheet of an .xlsx workbook as a source. exceljs parses the parts; the zip is opened
 * by its directory (zip-entries.ts), so only the selected sheet is inflated, streamed: shared
 * strings are held in memory, rows are not.
 */
import type { Readable } from 'node:stream';
import { loadExcelJs } from './load-exceljs.js';
import type { ColumnInfo, SourceEntity } from '../types.js';
import { ConnectorError, FatalError } from '../errors.js';
import type { ReadMeter } from './read-meter.js';
import { assertKeyColumn, assertNoWhere, headerColumns, readHeader, RecordFileSource, setField, type FileHeader, type FileRecord } from './record-batcher.js';
import { fileLabel, fileReadError } from './text-chunks.js';
import { xlsxCellValue, type XlsxCell } from './xlsx-cell-value.js';
import { closeZipEntry, openZipEntry, readZipDirectory } from './zip-entries.js';

/**
 * The parts of exceljs's streaming workbook reader this source drives (its typings leave them out):
 * the per-part parsers, fed in dependency order from {@link readZipDirectory}.
 */
interface XlsxWorkbookReader {
  readonly model?: { readonly sheets?: readonly { readonly name: string; readonly id: number; readonly rId: string }[] } | undefined;
  readonly properties?: { readonly date1904?: boolean } | undefined;
  readonly workbookRels?: readonly { readonly Id: string; readonly Target: string }[] | undefined;
  sharedStrings?: string[];
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseWorksheet(iterator: AsyncIterable<string>, sheetNo: string): Generator<{ value: XlsxWorksheetReader }>;
}

type XlsxWorksheetReader = AsyncIterable<XlsxRow>;

interface XlsxRow {
  /** 1-based row number in the sheet (`<row r="…">`). */
  readonly number: number;
  eachCell(options: { includeEmpty: boolean }, callback: (cell: XlsxCell, column: number) => void): void;
}

export interface XlsxSourceOptions {
  /** Sheet to read; null reads the first sheet in tab order. @default null */
  readonly sheet?: string | null;
  /** 1-based row of the header; empty rows are skipped. @default 1 */
  readonly headerRow?: number;
  /** Keep cells holding an empty string as `''` (a backup's way to tell `''` from NULL); else they are null. @default false */
  readonly keepEmptyStrings?: boolean;
  /** Trim spaces around header names (a backup's columns are kept exactly as the database names them). @default true */
  readonly trimHeader?: boolean;
}

type Cells = Map<number, string | number | boolean>;

/**
 * Cells become plain values (see {@link xlsxCellValue}); empty and missing cells are null. Empty
 * rows are skipped. A value to the right of the last header column makes the row a reject.
 */
export class XlsxSource extends RecordFileSource {
  readonly file: string;
  readonly #sheet: string | null;
  readonly #headerRow: number;
  readonly #label: string;
  readonly #keepEmptyStrings: boolean;
  readonly #trimHeader: boolean;

  constructor(file: string, options: XlsxSourceOptions = {}) {
    super();
    this.file = file;
    this.#sheet = options.sheet ?? null;
    this.#headerRow = options.headerRow ?? 1;
    this.#label = fileLabel(file);
    this.#keepEmptyStrings = options.keepEmptyStrings ?? false;
    this.#trimHeader = options.trimHeader ?? true;
  }

  async describe(_entity: SourceEntity): Promise<readonly ColumnInfo[]> {
    for await (const item of this.#sheetRows()) {
      if ('header' in item) return headerColumns(item.header, 'cell');
    }
    return [];
  }

  protected async *records(entity: SourceEntity, checkKey: boolean, meter?: ReadMeter): AsyncGenerator<FileRecord> {
    assertNoWhere(entity, this.file);
    let header: readonly string[] | null = null;
    for await (const item of this.#sheetRows(meter)) {
      if ('header' in item) {
        header = item.header.names;
        if (checkKey) assertKeyColumn(header, entity.key, item.origin);
      } else if (header !== null) {
        yield toFileRecord(item.cells, header, item.origin);
      }
    }
  }

  /**
   * The header (validated) and then every non-empty row after it, of the selected sheet. `meter`
   * follows the sheet's compressed entry: the parts read before it are small beside it.
   */
  async *#sheetRows(meter?: ReadMeter): AsyncGenerator<{ header: FileHeader; origin: string } | { cells: Cells; origin: string }> {
    let sheetXml: Readable | null = null;
    try {
      const entries = await readZipDirectory(this.file);
      const part = async (name: string, partMeter?: ReadMeter) => {
        const entry = entries.get(name);
        return entry ? openZipEntry(this.file, entry, 'utf8', partMeter) : null;
      };
      const ExcelJS = await loadExcelJs();
      const workbook = new ExcelJS.stream.xlsx.WorkbookReader(this.file, {
        worksheets: 'emit',
        sharedStrings: 'cache',
        styles: 'cache', // number formats tell date cells from numbers
        hyperlinks: 'ignore', // a hyperlink cell then reads as its text
        entries: 'ignore',
      }) as unknown as XlsxWorkbookReader;
      // The parts a sheet depends on, in dependency order (see zip-entries.ts for why not exceljs's own order).
      const rels = await part('xl/_rels/workbook.xml.rels');
      const book = await part('xl/workbook.xml');
      if (!rels || !book) throw new FatalError(`${this.file} is a zip archive but not an Excel workbook (no xl/workbook.xml); save it as .xlsx`);
      await workbook._parseRels(rels);
      await workbook._parseWorkbook(book);
      const strings = await part('xl/sharedStrings.xml');
      if (strings) for await (const _ of workbook._parseSharedStrings(strings));
      else workbook.sharedStrings = [];
      const styles = await part('xl/styles.xml');
      if (styles) await workbook._parseStyles(styles);

      const sheet = this.#pickSheet(workbook);
      const target = sheet.target.startsWith('/') ? sheet.target.slice(1) : `xl/${sheet.target}`;
      sheetXml = await part(target, meter);
      if (!sheetXml) throw new FatalError(`${this.file}: the part ${target} of sheet \`${sheet.name}\` is missing from the workbook`);
      const [event] = [...workbook._parseWorksheet(sheetXml, sheet.number)];
      if (!event) throw new FatalError(`${this.file}: exceljs did not open sheet \`${sheet.name}\``);
      yield* this.#rowsOf(event.value, sheet.name, workbook.properties?.date1904 === true);
    } catch (error) {
      throw xlsxError(this.file, error);
    } finally {
      if (sheetXml) await closeZipEntry(sheetXml);
    }
  }

  #pickSheet(workbook: XlsxWorkbookReader): { name: string; target: string; number: string } {
    const sheets = workbook.model?.sheets ?? [];
    const names = sheets.map((s) => `\`${s.name}\``).join(', ');
    const sheet = this.#sheet === null ? sheets[0] : sheets.find((s) => s.name === this.#sheet);
    if (!sheet) {
      if (this.#sheet === null || sheets.length === 0) throw new FatalError(`${this.file}: the workbook has no sheets`);
      throw new FatalError(`${this.file}: no sheet named \`${this.#sheet}\`; the workbook's sheets are ${names} (set \`sheet=\` in the connection URL)`);
    }
    const target = workbook.workbookRels?.find((rel) => rel.Id === sheet.rId)?.Target;
    if (!target) throw new FatalError(`${this.file}: sheet \`${sheet.name}\` has no relationship to its part (xl/_rels/workbook.xml.rels is damaged)`);
    return { name: sheet.name, target, number: /sheet(\d+)\.xml$/.exec(target)?.[1] ?? String(sheet.id) };
  }

  async *#rowsOf(sheet: XlsxWorksheetReader, sheetName: string, date1904: boolean): AsyncGenerator<{ header: FileHeader; origin: string } | { cells: Cells; origin: string }> {
    let header: FileHeader | null = null;
    let previous = 0;
    for await (const row of sheet) {
      const number = Number.isInteger(row.number) && row.number > 0 ? row.number : previous + 1;
      previous = number;
      const cells: Cells = new Map();
      row.eachCell({ includeEmpty: false }, (cell, column) => {
        const value = xlsxCellValue(cell, date1904);
        if (value !== null && (value !== '' || this.#keepEmptyStrings)) cells.set(column, value);
      });
      if (cells.size === 0) continue;
      const origin = `${this.#label}!${sheetName}:${number}`;
      if (header === null) {
        if (number < this.#headerRow) continue;
        header = headerOf(cells, origin, this.#trimHeader);
        yield { header, origin };
      } else {
        yield { cells, origin };
      }
    }
  }
}

function headerOf(cells: Cells, origin: string, trim: boolean): FileHeader {
  const last = Math.max(...cells.keys());
  const names: string[] = [];
  for (let column = 1; column <= last; column++) {
    const value = cells.get(column);
    names.push(value === undefined ? '' : typeof value === 'number' || typeof value === 'boolean' ? String(value) : value);
  }
  return readHeader(names, origin, { trim });
}

function toFileRecord(cells: Cells, header: readonly string[], origin: string): FileRecord {
  const data: Record<string, unknown> = {};
  for (let i = 0; i < header.length; i++) setField(data, header[i]!, cells.get(i + 1) ?? null);
  const beyond = [...cells.keys()].filter((column) => column > header.length).sort((a, b) => a - b);
  if (beyond.length === 0) return { origin, data };
  const payload = { ...data };
  for (const column of beyond) setField(payload, columnLetters(column), cells.get(column));
  return {
    origin,
    reason: `the row has values beyond the ${header.length} header columns (in column${beyond.length > 1 ? 's' : ''} ${beyond.map(columnLetters).join(', ')}); name the column in the header or clear the cells`,
    payload,
  };
}

function xlsxError(file: string, error: unknown): Error {
  if (error instanceof ConnectorError || (error instanceof Error && error.name === 'AbortError')) return error as Error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return fileReadError(file, error);
  const detail = error instanceof Error ? error.message : String(error);
  return new FatalError(`${file} could not be read as an .xlsx workbook (${detail}); check that it is an Excel 2007+ file and not truncated`, { cause: error });
}

/** 1 → A, 27 → AA. */
export function columnLetters(column: number): string {
  let letters = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/**
 * Turns exceljs cell values into the plain values a row carries: strings, numbers, booleans or
 * null. Dates become wall-clock text, because an Excel date has no time zone.
 */

/** The parts of an exceljs cell this module reads. */
export interface XlsxCell {
  readonly value: unknown;
  /** Number format of the cell's style (needs `styles: 'cache'`), e.g. `yyyy-mm-dd`. */
  readonly numFmt?: string | undefined;
}

/**
 * The plain value of a cell:
 * - rich text → its text; hyperlink → its text; error → its text (`#N/A`);
 * - formula → its cached result (a number in a date format becomes a date);
 * - date → `yyyy-MM-dd HH:mm:ss`, or `yyyy-MM-dd` at exactly midnight, from the Date's UTC fields
 *   (exceljs returns Excel's wall-clock serials as UTC dates);
 * - empty → null. Text keeps OOXML escapes decoded (`_x000D_` is a carriage return).
 */
export function xlsxCellValue(cell: XlsxCell, date1904: boolean): string | number | boolean | null {
  return plainValue(cell.value, cell.numFmt, date1904);
}

function plainValue(value: unknown, numFmt: string | undefined, date1904: boolean): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return decodeOoxmlEscapes(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value;
  if (value instanceof Date) return wallClockText(value);
  if (typeof value !== 'object') return String(value);
  const cell = value as Record<string, unknown>;
  if (Array.isArray(cell.richText)) return decodeOoxmlEscapes(cell.richText.map((run: { text?: unknown }) => String(run.text ?? '')).join(''));
  if ('error' in cell) return String(cell.error);
  if ('formula' in cell || 'sharedFormula' in cell) {
    // exceljs's streaming reader reads a cached formula result as a number unless it is a string
    // (`t="str"`): booleans come back as 1/0 and error results (`t="e"`) as NaN, which is null here.
    const result = cell.result;
    if (typeof result === 'number' && Number.isFinite(result) && isDateFormat(numFmt)) return wallClockText(excelSerialToDate(result, date1904));
    return plainValue(result, undefined, date1904);
  }
  if ('text' in cell) return plainValue(cell.text, undefined, date1904);
  return JSON.stringify(value);
}

/**
 * `yyyy-MM-dd HH:mm:ss` from the UTC fields, or `yyyy-MM-dd` when the time is exactly midnight.
 * Rounded to the second: Excel keeps times as fractions of a day, so 10:30:00 may arrive as
 * 10:29:59.999.
 */
export function wallClockText(date: Date): string {
  const ms = Math.round(date.getTime() / 1000) * 1000;
  if (!Number.isFinite(ms)) return String(date);
  const iso = new Date(ms).toISOString();
  const day = iso.slice(0, 10);
  const time = iso.slice(11, 19);
  return time === '00:00:00' ? day : `${day} ${time}`;
}

/** The same conversion exceljs applies to date-formatted cells (days since 1899-12-30, or 1904-01-01). */
function excelSerialToDate(serial: number, date1904: boolean): Date {
  return new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000));
}

/** exceljs's test for a date number format: date letters left after removing quoted text and [brackets]. */
function isDateFormat(numFmt: string | undefined): boolean {
  if (!numFmt) return false;
  return /[ymdhMsb]+/.test(numFmt.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

/**
 * Excel writes characters that XML cannot hold (such as the CR of a CRLF) as `_xHHHH_`
 * (ECMA-376 Part 1, §22.9.2.19 ST_Xstring); exceljs leaves them encoded.
 */
export function decodeOoxmlEscapes(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/**
 * The text form of values in a backup, shared by the writer (`cutover backup`) and the reader (a
 * `file://` connection on a backup folder), so that a value read back from a backup is the value
 * the database driver gave: same JavaScript type, same text.
 *
 * Each column gets a kind from the values the source gave (recorded in the manifest):
 * | kind    | driver values                         | CSV text                  | JSON Lines        | XLSX cell          |
 * |---------|---------------------------------------|---------------------------|-------------------|--------------------|
 * | text    | strings: VARCHAR, TEXT, DATETIME and DATE as `yyyy-MM-dd HH:mm:ss`, DECIMAL and BIGINT digits | as is | string | string |
 * | number  | INT, FLOAT, DOUBLE                    | `String(n)` (shortest round-trip form) | number | number |
 * | boolean | PostgreSQL boolean                    | `true` / `false`          | boolean           | boolean            |
 * | bytes   | BLOB, BINARY, bytea (Buffer)          | base64                    | base64 string     | base64 string      |
 * | json    | PostgreSQL json/jsonb, arrays         | JSON text                 | the value         | JSON text          |
 * | mixed   | several of the above (file sources)   | text of each              | the value         | the cell           |
 *
 * NULL versus empty string: in CSV, NULL is an empty unquoted field and `''` is `""` (as
 * PostgreSQL's `COPY … CSV` writes them); in JSON Lines `null` versus `""`; in XLSX NULL is a
 * missing cell and `''` an empty string cell. XLSX text escapes what XML cannot hold (control
 * characters, and CR, which XML readers turn into LF) as `_xHHHH_`, the OOXML escape.
 */
import { FatalError } from '../errors.js';

export const VALUE_KINDS = ['text', 'number', 'boolean', 'bytes', 'json', 'mixed'] as const;
export type ValueKind = (typeof VALUE_KINDS)[number];

/** The kind of one non-null value. */
export function kindOf(value: unknown): Exclude<ValueKind, 'mixed'> | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'bigint':
      return 'text';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      if (value instanceof Uint8Array) return 'bytes';
      if (value instanceof Date) return 'text';
      return 'json';
  }
}

/** Folds the kinds seen in a column: one kind, `mixed` when several, `text` when only NULLs. */
export class ColumnKinds {
  readonly #kinds: (ValueKind | null)[];
  readonly #columns: readonly string[];

  constructor(columns: readonly string[]) {
    this.#columns = columns;
    this.#kinds = columns.map(() => null);
  }

  observe(row: Readonly<Record<string, unknown>>): void {
    for (let i = 0; i < this.#columns.length; i++) {
      const kind = kindOf(row[this.#columns[i]!]);
      const seen = this.#kinds[i];
      if (kind === null || seen === kind || seen === 'mixed') continue;
      this.#kinds[i] = seen === null ? kind : 'mixed';
    }
  }

  get kinds(): ValueKind[] {
    return this.#kinds.map((kind) => kind ?? 'text');
  }
}

/** The text of a non-null value (CSV fields, and XLSX/JSON cells that hold text). */
export function textForm(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/** One CSV record (RFC 4180, CRLF): NULL is an empty unquoted field, every other empty text is `""`. */
export function backupCsvLine(values: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += ',';
    const value = values[i];
    if (value === null || value === undefined) continue;
    const text = textForm(value);
    line += text === '' || /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
  }
  return line + '\r\n';
}

/** One JSON Lines record: values as JSON, bytes as base64. */
export function backupJsonLine(columns: readonly string[], row: Readonly<Record<string, unknown>>): string {
  const record: Record<string, unknown> = {};
  for (const column of columns) {
    const value = row[column];
    record[column] = value === undefined || value === null ? null : value instanceof Uint8Array || value instanceof Date || typeof value === 'bigint' ? textForm(value) : value;
  }
  return JSON.stringify(record) + '\n';
}

/** The XLSX cell value: numbers and booleans as such, everything else as escaped text. */
export function backupXlsxValue(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return escapeOoxml(textForm(value));
}

/**
 * `_xHHHH_` for characters XML 1.0 cannot carry or would change (C0 controls, CR), and `_x005F_`
 * before a literal `_xHHHH_`, so that the reader's unescape gives the text back.
 */
export function escapeOoxml(text: string): string {
  return text.replace(/_(?=x[0-9A-Fa-f]{4}_)|[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]/g, (c) => `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`);
}

/**
 * The driver's value back from what a backup reader gave (`string | null` from CSV, JSON values
 * from JSON Lines, cell values from XLSX).
 * @throws FatalError when the text cannot be of the column's kind (the file was edited).
 */
export function decodeBackupValue(value: unknown, kind: ValueKind, where: string): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'text':
      return typeof value === 'string' ? value : textForm(value);
    case 'mixed':
      return value;
    case 'number': {
      const number = typeof value === 'number' ? value : Number(value);
      if (typeof value === 'string' && (value.trim() === '' || Number.isNaN(number)) && value !== 'NaN') throw badValue(where, value, kind);
      return number;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw badValue(where, value, kind);
    case 'bytes':
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw badValue(where, value, kind);
      return Buffer.from(value, 'base64');
    case 'json':
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value);
      } catch {
        throw badValue(where, value, kind);
      }
  }
}

function badValue(where: string, value: unknown, kind: ValueKind): FatalError {
  const shown = String(value).slice(0, 40);
  return new FatalError(`${where}: \`${shown}\` is not a ${kind} value as the backup manifest declares for this column; was the file edited after the backup?`);
}

/**
 * Which fields of a CSV record were quoted, from its raw text: an empty quoted field is `''`, an
 * empty unquoted one is NULL.
 */
export function quotedFields(text: string, delimiter: string): boolean[] {
  const flags: boolean[] = [];
  let at = 0;
  for (;;) {
    const quoted = text[at] === '"';
    flags.push(quoted);
    if (quoted) {
      at++;
      for (;;) {
        const quote = text.indexOf('"', at);
        if (quote < 0) return flags;
        at = quote + 1;
        if (text[at] !== '"') break;
        at++;
      }
    }
    const next = text.indexOf(delimiter, at);
    if (next < 0) return flags;
    at = next + delimiter.length;
  }
}

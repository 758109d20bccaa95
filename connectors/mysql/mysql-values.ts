/**
 * Mapped values as a MySQL/MariaDB column takes them, by the column's kind, so that the target
 * stores what PostgreSQL would: the same instant, the same date, the same JSON.
 *
 * | kind    | from                                   | sent as                                      |
 * |---------|----------------------------------------|----------------------------------------------|
 * | instant | `2019-03-05T06:22:10.123+08:00`, Date  | `2019-03-04 22:22:10.123`: UTC wall clock (the session is `+00:00`) |
 * | date    | `2019-03-05T…`, Date                   | `2019-03-05` (the date as written, as PostgreSQL's `::date` reads it) |
 * | json    | a value, or JSON text                  | canonical JSON text (`jsonbText`); text that is not JSON as it is |
 * | boolean | true/false, 't'/'true'/'f'/'false'     | 1 / 0                                        |
 * | text    | a number, true/false, Date, object     | its digits, 'true'/'false', ISO 8601, JSON text (as reconcile reads them) |
 * Text that cannot be read as its kind is sent as it is, for the server to refuse with its reason.
 */
import { jsonbText } from '../canonical-text.js';
import type { ColumnKind } from '../sink.js';

/** A target column as the sink knows it. */
export interface MysqlColumn {
  readonly name: string;
  /** `information_schema.COLUMNS.DATA_TYPE`, lower case: `varchar`, `decimal`, `datetime`, `longtext`. */
  readonly dataType: string;
  /** `COLUMN_TYPE`: `tinyint(1)`, `char(2)`, `decimal(18,2)`. */
  readonly columnType: string;
  /** `COLLATION_NAME` of a text column (`utf8mb4_bin`), else null. */
  readonly collation: string | null;
  readonly kind: ColumnKind;
}

/**
 * The kind a column's values compare as: tinyint(1) → boolean, numbers → number, datetime and
 * timestamp → instant, date → date, json (and MariaDB's JSON, a longtext with a `json_valid`
 * check) → json, char(n) → padded (the server drops its trailing blanks), uuid → uuid, else text.
 */
export function mysqlColumnKind(dataType: string, columnType: string, jsonChecked: boolean): ColumnKind {
  const type = dataType.toLowerCase();
  if (type === 'tinyint' && /^tinyint\(1\)/i.test(columnType)) return 'boolean';
  if (/^(tinyint|smallint|mediumint|int|integer|bigint|decimal|numeric|float|double|real|year)$/.test(type)) return 'number';
  if (type === 'datetime' || type === 'timestamp') return 'instant';
  if (type === 'date') return 'date';
  if (type === 'json' || (jsonChecked && /text$/.test(type))) return 'json';
  if (type === 'char') return 'padded';
  if (type === 'uuid') return 'uuid';
  return 'text';
}

/** An instant with its zone: `T` or a space, seconds and fraction optional, `Z` or an offset. */
const ZONED_INSTANT = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}(?::?\d{2})?)$/i;
const DATE_PREFIX = /^\d{4}-\d{2}-\d{2}(?=$|[T ])/;

/** The value to send for `column`: a string, number, bigint, Buffer or null, which the driver escapes as they are. */
export function toMysqlValue(value: unknown, column: MysqlColumn): unknown {
  if (value === null || value === undefined) return null;
  switch (column.kind) {
    case 'instant':
      return instantValue(value);
    case 'date':
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString().slice(0, 10);
      return typeof value === 'string' ? (DATE_PREFIX.exec(value)?.[0] ?? value) : plainValue(value);
    case 'json':
      // MariaDB keeps JSON as the text it is given and cannot order keys as jsonb does, so the sink
      // writes reconcile's canonical form and the content probe reads the text as it is. Text that
      // is not JSON goes as it is, for the column's json_valid check to refuse (as jsonb would).
      if (typeof value === 'string') {
        const parsed = parseJson(value);
        return parsed === NOT_JSON ? value : jsonbText(parsed);
      }
      return jsonbText(value);
    case 'boolean':
      if (value === true || value === 't' || value === 'true') return 1;
      if (value === false || value === 'f' || value === 'false') return 0;
      return plainValue(value);
    case 'text':
    case 'padded':
    case 'uuid':
      // A number compared with a text column makes the server convert every row's text to a number:
      // `legacy_id IN (1, 2)` would read (and lock) the whole table instead of two index entries.
      return typeof value === 'number' || typeof value === 'bigint' ? String(value) : plainValue(value);
    default:
      return plainValue(value);
  }
}

/** What the `datetime` transform writes: UTC with milliseconds. Its wall clock is its own text. */
const UTC_MILLIS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{3}Z$/;

function instantValue(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : utcWallClock(value.getTime());
  if (typeof value !== 'string') return plainValue(value);
  // The common case without a Date: a run writes every timestamp in this form.
  const utc = UTC_MILLIS.exec(value);
  if (utc) return isCalendarDateTime(+utc[1]!, +utc[2]!, +utc[3]!, +utc[4]!, +utc[5]!, +utc[6]!) ? `${value.slice(0, 10)} ${value.slice(11, 23)}` : value;
  const zoned = ZONED_INSTANT.exec(value.trim());
  if (!zoned) return value;
  const [year, month, day] = zoned[1]!.split('-').map(Number) as [number, number, number];
  const [hour = 0, minute = 0, second = 0] = zoned[2]!.split(':').map(Number);
  if (!isCalendarDateTime(year, month, day, hour, minute, second)) return value;
  const offset = zoned[3]!.toUpperCase() === 'Z' ? 'Z' : zoned[3]!.length === 3 ? `${zoned[3]}:00` : zoned[3]!.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
  const time = Date.parse(`${zoned[1]}T${zoned[2]}${offset}`);
  return Number.isNaN(time) ? value : utcWallClock(time);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** V8's Date.parse rolls `2021-02-30` over into March: the fields are checked first. */
function isCalendarDateTime(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  const days = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : MONTH_DAYS[month - 1];
  return days !== undefined && day >= 1 && day <= days && hour <= 23 && minute <= 59 && second < 60;
}

/** `yyyy-MM-dd HH:mm:ss.SSS` in UTC. */
function utcWallClock(time: number): string {
  return new Date(time).toISOString().slice(0, 23).replace('T', ' ');
}

function plainValue(value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'bigint' || Buffer.isBuffer(value)) return value;
  // NaN and Infinity as digits would be names to the server: as text, a number column refuses them.
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value);
  return JSON.stringify(value);
}

const NOT_JSON = Symbol('not JSON');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

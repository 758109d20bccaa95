/**
 * What `cutover init` suggests for one column: the transforms of its field, the target column's
 * type, and a comment that says what was inferred and why. The database type decides where it is
 * exact (DECIMAL, DATETIME, TINYINT(1)); text, and every value of an export file, is judged by
 * trying the real transforms on the sampled values.
 */
import type { ColumnInfo } from '../../connectors/types.js';
import { countReadable, noneSpellingsIn, readValues, percent, presentValues, withoutNoneSpellings, type TransformItem } from './sample-values.js';

export interface ColumnSuggestion {
  readonly transforms: readonly TransformItem[];
  /** PostgreSQL type of the target column. */
  readonly sqlType: string;
  /** What was inferred and why, for the comment above the field. */
  readonly note: string;
  /** Why the column is left out of the mapping (binary data); the field is then written as a comment. */
  readonly skip?: string;
}

/** Share of the sampled values a parsing transform must read before it is suggested. */
const READABLE_SHARE = 0.9;
/** A column with at most this many distinct values (that repeat) is a code, suggested as a value map. */
export const MAX_CODES = 12;
/** Longest value a code may have. */
const MAX_CODE_LENGTH = 40;

/** Countries tried for phone numbers without a country code, in this order on a tie. */
const PHONE_COUNTRIES = ['US', 'CN', 'GB', 'DE', 'FR', 'IN', 'JP', 'SG', 'AU', 'BR'] as const;

const DATETIME_FORMATS = [
  'yyyy/MM/dd HH:mm:ss', 'yyyy/MM/dd HH:mm', 'yyyy/M/d H:mm', 'dd/MM/yyyy HH:mm:ss', 'dd/MM/yyyy HH:mm', 'MM/dd/yyyy HH:mm:ss', 'MM/dd/yyyy HH:mm',
  'dd.MM.yyyy HH:mm:ss', 'dd.MM.yyyy HH:mm', "yyyy'年'M'月'd'日' HH:mm:ss", "yyyy'年'M'月'd'日' HH:mm", 'yyyyMMddHHmmss',
] as const;
const DATE_FORMATS = ['yyyy/M/d', 'dd/MM/yyyy', 'MM/dd/yyyy', 'dd.MM.yyyy', 'dd-MM-yyyy', "yyyy'年'M'月'd'日'", 'yyyyMMdd'] as const;

const EMAIL_NAME = /e-?mail/i;
const PHONE_NAME = /phone|mobile|fax|(^|_)(tel|cell)(_|$)|telephone/i;
const DATE_NAME = /(^|_)(date|time|at|on|dt)(_|$)|date|time|(^|_)(created|updated|modified|birthday|dob)(_|$)/i;
/** Naive timestamps: their zone is the legacy system's, which nothing in the data says. */
const NAIVE_TZ = 'UTC';
const TZ_NOTE = `naive times read as ${NAIVE_TZ}: set tz to the legacy system's zone (e.g. Asia/Shanghai)`;

/** The suggestion for `column`, from its database type (files say `text`) and its sampled values. */
export function suggestColumn(column: ColumnInfo, sample: readonly unknown[]): ColumnSuggestion {
  const type = column.type.toLowerCase().trim();
  const present = presentValues(sample);
  if (/^(tinyint\(1\)|boolean|bool|bit\(1\)|bit)$/.test(type)) return { transforms: ['boolean'], sqlType: 'boolean', note: `${column.type}: a yes/no flag` };
  if (/^bigint(\(\d+\))? unsigned/.test(type)) return { transforms: [], sqlType: 'numeric(20, 0)', note: `${column.type}: beyond bigint, kept exact` };
  if (/^(tiny|small|medium|big)?int(eger)?\b|^int[248]$|^(big|small)?serial$|^year/.test(type)) return { transforms: [], sqlType: 'bigint', note: column.type };
  const decimal = /^(decimal|numeric)(?:\((\d+)(?:,\s*(\d+))?\))?/.exec(type);
  if (decimal) {
    const [, , precision, scale] = decimal;
    const sqlType = precision === undefined ? 'numeric' : `numeric(${precision}, ${scale ?? 0})`;
    return { transforms: [scale === undefined ? 'decimal' : { decimal: { scale: Number(scale) } }], sqlType, note: `${column.type}: exact decimal text, never a float` };
  }
  if (/^(float|double|real|double precision)/.test(type)) return { transforms: [], sqlType: 'double precision', note: column.type };
  if (type === 'date') return { transforms: ['date'], sqlType: 'date', note: column.type };
  if (/^(datetime|timestamp)/.test(type)) {
    if (type.includes('with time zone')) return { transforms: ['datetime'], sqlType: 'timestamptz', note: `${column.type}: the values carry their offset` };
    return { transforms: [{ datetime: { tz: NAIVE_TZ } }], sqlType: 'timestamptz', note: `${column.type}: ${TZ_NOTE}` };
  }
  if (/^time/.test(type)) return { transforms: [], sqlType: 'text', note: `${column.type}: kept as text (MySQL TIME also holds durations)` };
  if (/^jsonb?$/.test(type)) return { transforms: [], sqlType: 'jsonb', note: column.type };
  if (/blob|binary|bytea|^bit\(/.test(type)) return { transforms: [], sqlType: 'bytea', note: column.type, skip: `${column.type} is binary data, which the reconciliation cannot compare; map it by hand if it is needed` };
  const enumValues = /^enum\((.*)\)$/.exec(column.type.trim());
  if (enumValues) {
    const codes = [...enumValues[1]!.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'"));
    if (codes.length > 0) return { transforms: [codeMap(codes)], sqlType: 'text', note: `${column.type}: every value of the enum, left as it is; write the new CRM's value on the right` };
  }
  return suggestFromValues(column, present, sample.length);
}

/** A text column (or any column of an export file): judged by its name and by what the transforms read. */
function suggestFromValues(column: ColumnInfo, present: readonly unknown[], sampled: number): ColumnSuggestion {
  const what = column.type === 'text' ? '' : `${column.type}: `;
  const none = noneSpellingsIn(present);
  const values = withoutNoneSpellings(present);
  const texts = values.filter((v) => typeof v === 'string');
  const seen = `${values.length} sampled value${values.length === 1 ? '' : 's'}`;
  const withNone = (items: TransformItem[]): TransformItem[] => (none.length > 0 ? [{ nullif: none }, ...items] : items);
  const noneNote = none.length > 0 ? `; ${none.map((n) => `'${n}'`).join(', ')} mean none` : '';
  if (values.length === 0) return { transforms: [], sqlType: 'text', note: `${what}no value in the ${sampled} rows sampled, kept as text` };

  if (EMAIL_NAME.test(column.name) || (texts.length > 0 && texts.every((v) => String(v).includes('@')))) {
    const readable = countReadable(['email'], values);
    if (readable >= values.length * (EMAIL_NAME.test(column.name) ? 0.5 : READABLE_SHARE)) {
      return { transforms: withNone(['email']), sqlType: 'text', note: `${what}e-mail addresses: ${percent(readable, values.length)} of ${seen} are valid, the others reject their row${noneNote}` };
    }
  }
  if (PHONE_NAME.test(column.name)) {
    const [best] = PHONE_COUNTRIES.map((country) => ({ country, readable: countReadable([{ phone: { default_country: country } }], values) })).sort((a, b) => b.readable - a.readable);
    if (best && best.readable >= values.length * 0.5) {
      return {
        transforms: withNone([{ phone: { default_country: best.country } }]),
        sqlType: 'text',
        note: `${what}phone numbers, written E.164: ${percent(best.readable, values.length)} of ${seen} read, numbers without +… as ${best.country} ones (the country that reads most)${noneNote}`,
      };
    }
  }
  const moment = suggestMoment(column, values);
  if (moment) return { ...moment, transforms: withNone([...moment.transforms]), note: `${what}${moment.note}${noneNote}` };

  const numbers = suggestNumber(values);
  if (numbers) return { ...numbers, transforms: withNone([...numbers.transforms]), note: `${what}${numbers.note} (${seen})${noneNote}` };

  const codes = distinctCodes(values);
  if (codes) {
    return { transforms: [codeMap(codes)], sqlType: 'text', note: `${what}${codes.length} distinct values in ${seen}: a code; left as it is, write the new CRM's value on the right` };
  }
  return { transforms: [], sqlType: 'text', note: `${what}text, moved as it is` };
}

/** Dates and timestamps written as text: ISO first, then the formats that read what ISO does not. */
function suggestMoment(column: ColumnInfo, values: readonly unknown[]): Omit<ColumnSuggestion, 'skip'> | null {
  const texts = values.map((v) => (typeof v === 'number' ? String(v) : v)).filter((v): v is string => typeof v === 'string');
  if (texts.length < values.length) return null;
  // Digits alone (20190305) are a date only where the name says so: otherwise they are numbers.
  if (texts.every((t) => /^\d+$/.test(t.trim())) && !DATE_NAME.test(column.name)) return null;
  if (!texts.some((t) => /\d/.test(t))) return null;
  const timed = texts.some((t) => /\d{1,2}:\d{2}/.test(t));
  const name = timed ? 'datetime' : 'date';
  const candidates: readonly string[] = timed ? DATETIME_FORMATS : DATE_FORMATS;
  const item = (formats: readonly string[]): TransformItem => (timed ? { datetime: { formats, tz: NAIVE_TZ } } : { date: { formats } });
  const chosen: string[] = [];
  let readable = countReadable([item([])], texts);
  for (const format of candidates) {
    if (readable === texts.length) break;
    const more = countReadable([item([...chosen, format])], texts);
    if (more > readable) {
      chosen.push(format);
      readable = more;
    }
  }
  if (readable < texts.length * READABLE_SHARE) return null;
  const formats = chosen.length === 0 ? 'ISO 8601' : `ISO 8601 and ${chosen.join(', ')}`;
  const items: TransformItem = timed ? { datetime: { ...(chosen.length > 0 ? { formats: chosen } : {}), tz: NAIVE_TZ } } : chosen.length > 0 ? { date: { formats: chosen } } : 'date';
  return {
    transforms: [items],
    sqlType: timed ? 'timestamptz' : 'date',
    note: `${name}s: ${percent(readable, texts.length)} of ${texts.length} sampled values read as ${formats}${timed ? `; ${TZ_NOTE}` : ''}`,
  };
}

/** Whole numbers and decimals written as text (or as JSON and Excel numbers). */
function suggestNumber(values: readonly unknown[]): Omit<ColumnSuggestion, 'skip'> | null {
  const whole = values.filter((v) => (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^[+-]?(0|[1-9]\d{0,14})$/.test(v.trim())));
  if (whole.length === values.length) {
    return { transforms: values.every((v) => typeof v === 'number') ? [] : ['integer'], sqlType: 'bigint', note: 'whole numbers' };
  }
  // A leading zero (007, 0123) is a code or a number plate, not a quantity.
  if (values.some((v) => typeof v === 'string' && /^\s*0\d/.test(v))) return null;
  if (!values.every((v) => typeof v === 'number' || (typeof v === 'string' && /\d/.test(v) && v.trim().length <= 40))) return null;
  const readable = countReadable(['decimal'], values);
  if (readable < values.length * READABLE_SHARE) return null;
  // The decimals as the transform reads them (`1,200,000` has none, `12,50 €` two), not as a pattern would guess.
  const scale = Math.max(0, ...readValues(['decimal'], values).map((v) => /\.(\d+)$/.exec(String(v))?.[1]?.length ?? 0));
  return {
    transforms: [{ decimal: { scale: Math.min(scale, 6) } }],
    sqlType: 'numeric',
    note: `decimals (${percent(readable, values.length)} read as numbers, up to ${scale} decimals)`,
  };
}

/** The distinct values of a code column (most frequent first, case variants folded), or null when the column is not one. */
function distinctCodes(values: readonly unknown[]): string[] | null {
  if (values.length < 4 || !values.every((v) => typeof v === 'string' && v.trim().length <= MAX_CODE_LENGTH)) return null;
  const counts = new Map<string, { spelling: string; count: number }>();
  for (const value of values as string[]) {
    const folded = value.trim().toLowerCase();
    const entry = counts.get(folded) ?? { spelling: value.trim(), count: 0 };
    entry.count += 1;
    counts.set(folded, entry);
  }
  if (counts.size > MAX_CODES || counts.size > values.length / 2) return null;
  return [...counts.values()].sort((a, b) => b.count - a.count).map((entry) => entry.spelling);
}

/** A value map that keeps every code found; an unknown code rejects its row, so that nothing new slips through unseen. */
function codeMap(codes: readonly string[]): TransformItem {
  return { map: Object.fromEntries(codes.map((code) => [code, code])), unknown: 'reject' };
}

/**
 * `date`: calendar dates written in any of a mapping's formats → `yyyy-MM-dd`.
 */
import { onInvalid, ON_INVALID, quote, type FieldTransform, type OnInvalid } from './field-transform.js';
import { compileDateFormats, parseWithFormats } from './date-formats.js';
import { describeOutOfRange, formatIsoDate, ISO_DATE_TIME, isoOffsetMinutes, isoWallClock } from './iso-date-time.js';
import { describeKind } from './scalar-text.js';
import { INVALID_OPTION_SCHEMA, optionsSchema, transformSchema } from './transform-schema.js';
import { trimText } from './whitespace.js';

/** `{ date: { formats: ['dd/MM/yyyy', "yyyy'年'M'月'd'日'"], invalid: 'null' } }`. */
export type DateItem = { date: { readonly formats?: readonly string[]; readonly invalid?: OnInvalid } };

/**
 * `date`: `{ date: { formats: ['dd/MM/yyyy', 'yyyyMMdd'] } }` → `yyyy-MM-dd` text.
 *
 * - ISO `yyyy-MM-dd` is always tried first, also with a time and offset after it
 *   (`2021-03-05 14:22:10`, `2021-03-05T23:30:00-05:00`); the date is kept **as written**, never
 *   shifted to another zone (use `datetime` for instants).
 * - Then the luxon formats, in order; the first that reads the text wins.
 * - Dates that do not exist (`31/02/2021`) are invalid in every format.
 * - A JavaScript `Date` (from a spreadsheet cell) gives its UTC calendar date; a number is read as
 *   its digits (`20210305` with format `yyyyMMdd`). Empty text → null.
 *
 * Invalid reason: `'31/02/2021' does not match any date format (tried: yyyy-MM-dd, dd/MM/yyyy): it has the shape of dd/MM/yyyy but is not a calendar date`.
 *
 * @default formats `[]` (ISO only)
 */
export const date: FieldTransform<DateItem> = {
  name: 'date',
  summary: "Parse a calendar date (ISO first, then the luxon formats given) → yyyy-MM-dd ({ date: { formats: ['dd/MM/yyyy'] } }).",
  shorthand: { date: { formats: [] } },
  schema: transformSchema(
    'date',
    'Parse a calendar date and write it as `yyyy-MM-dd`. ISO `yyyy-MM-dd` (optionally followed by a time, which is dropped) is always tried first, then `formats` in order.',
    optionsSchema('Date options.', {
      formats: {
        description: "Luxon format strings tried in order after ISO, e.g. `dd/MM/yyyy`, `yyyy/M/d`, `yyyyMMdd`, `yyyy'年'M'月'd'日'` (quote literal text). `MM` is months, `mm` minutes.",
        type: 'array',
        items: { type: 'string', minLength: 1 },
        default: [],
      },
      invalid: INVALID_OPTION_SCHEMA,
    }),
  ),
  compile: (item) => {
    const policy = item.date.invalid ?? ON_INVALID[0];
    const formats = compileDateFormats(item.date.formats ?? [], '/date/formats');
    const tried = ['yyyy-MM-dd', ...formats.map((f) => f.format)].join(', ');
    const noMatch = (value: unknown, detail: string) => onInvalid(policy, value, `${quote(value)} does not match any date format (tried: ${tried})${detail}`);

    return (value) => {
      if (value === null || value === undefined) return null;
      let text: string;
      if (typeof value === 'string') text = trimText(value);
      else if (typeof value === 'number' || typeof value === 'bigint') text = String(value);
      else if (value instanceof Date) {
        return Number.isNaN(value.getTime()) ? onInvalid(policy, value, 'the date is an Invalid Date object') : value.toISOString().slice(0, 10);
      } else return onInvalid(policy, value, `${quote(value)} is not a date: it is ${describeKind(value)}`);
      if (text === '') return null;

      let detail = '';
      const iso = ISO_DATE_TIME.exec(text);
      if (iso) {
        const offset = isoOffsetMinutes(iso);
        if (!Number.isNaN(isoWallClock(iso)) && !Number.isNaN(offset)) return text.slice(0, 10);
        detail = `: ${describeOutOfRange(iso)}`;
      }
      const result = parseWithFormats(text, formats, 'date');
      if ('parsed' in result) return formatIsoDate(result.parsed.year, result.parsed.month, result.parsed.day);
      return noMatch(value, detail || result.detail);
    };
  },
};

/**
 * `datetime`: timestamps in any of a mapping's formats → ISO 8601 UTC text with milliseconds
 * (`2019-03-05T06:22:10.000Z`), the form PostgreSQL `timestamptz` and JSON Schema `date-time` take.
 *
 * Performance: the ISO shapes (`2019-03-05 14:22:10`, `2019-03-05T14:22:10+08:00`…), which is what
 * databases export, are read by one regular expression and integer arithmetic, and the zone offset
 * comes from a per-day cache ({@link ZoneClock}); only the mapping's own formats go through luxon's
 * parser (built once per format). `test/unit/transforms/datetime.bench.ts` measures both paths.
 */
import { onInvalid, ON_INVALID, quote, type FieldTransform, type OnInvalid } from './field-transform.js';
import { compileDateFormats, parseWithFormats } from './date-formats.js';
import { describeOutOfRange, ISO_DATE_TIME, isoOffsetMinutes, isoUtcText, isoWallClock, readPlainDateTime, utcMillis } from './iso-date-time.js';
import { describeKind } from './scalar-text.js';
import { INVALID_OPTION_SCHEMA, optionsSchema, transformSchema } from './transform-schema.js';
import { trimText } from './whitespace.js';
import { ZoneClock } from './zone-clock.js';

/** `{ datetime: { formats: ['yyyy/MM/dd HH:mm'], tz: 'Asia/Shanghai', invalid: 'null' } }`. */
export type DatetimeItem = { datetime: { readonly formats?: readonly string[]; readonly tz?: string; readonly invalid?: OnInvalid } };

const MINUTE = 60_000;
// Date#toISOString writes years outside 0–9999 with six digits and a sign, which is not what any
// target expects from a CRM timestamp.
const MIN_INSTANT = utcMillis(0, 1, 1, 0, 0, 0, 0);
const MAX_INSTANT = utcMillis(9999, 12, 31, 23, 59, 59, 999);

/**
 * `datetime`: `{ datetime: { formats: ['yyyy/MM/dd HH:mm'], tz: Asia/Shanghai } }` →
 * `2019-03-05T06:22:10.000Z`.
 *
 * - ISO 8601 is always tried first: `yyyy-MM-dd`, then optionally `T` or a space, `HH:mm`,
 *   `:ss`, `.SSS` (any number of fraction digits; beyond milliseconds they are truncated), and
 *   `Z` or an offset (`+08`, `+0800`, `+08:00`). A date alone is midnight.
 * - Then the luxon formats, in order.
 * - A value with `Z` or an offset (in ISO, or read by a format's `Z`/`ZZ` token) is that instant.
 *   A value without one is a wall-clock time in `tz`. Times that fall in a DST gap move forward
 *   by the gap, as luxon does; times that occur twice (clocks going back) are the earlier instant,
 *   deterministically (luxon's own choice depends on the date the run happens; see {@link ZoneClock}).
 * - A JavaScript `Date` is an instant. A number is read as its digits (`20190305142210` with
 *   format `yyyyMMddHHmmss`), never as epoch milliseconds. Empty text → null.
 *
 * Invalid reasons: `'2019/13/05 10:00' does not match any datetime format (tried: ISO 8601,
 * yyyy/MM/dd HH:mm): it has the shape of yyyy/MM/dd HH:mm but is not a calendar date-time`;
 * `'2021-02-30 10:00:00' … : February 2021 has no day 30`.
 *
 * @default tz `UTC`, formats `[]`
 */
export const datetime: FieldTransform<DatetimeItem> = {
  name: 'datetime',
  summary: 'Parse a timestamp (ISO first, then luxon formats; naive times in tz) → UTC ISO 8601 (2019-03-05T06:22:10.000Z).',
  shorthand: { datetime: {} },
  schema: transformSchema(
    'datetime',
    'Parse a timestamp and write it as ISO 8601 UTC with milliseconds (`2019-03-05T06:22:10.000Z`). ISO 8601 (`T` or space, optional seconds, fraction and offset) is always tried first, then `formats` in order. Times without an offset are wall-clock times in `tz`.',
    optionsSchema('Datetime options.', {
      formats: {
        description: "Luxon format strings tried in order after ISO, e.g. `yyyy/MM/dd HH:mm`, `dd/MM/yyyy HH:mm:ss`, `yyyy'年'M'月'd'日' HH:mm`. `MM` is months, `mm` minutes; `ZZ` reads an offset.",
        type: 'array',
        items: { type: 'string', minLength: 1 },
        default: [],
      },
      tz: {
        description: 'IANA time zone of values written without an offset, e.g. `Asia/Shanghai`. Default `UTC`.',
        type: 'string',
        minLength: 1,
        default: 'UTC',
      },
      invalid: INVALID_OPTION_SCHEMA,
    }),
  ),
  compile: (item) => {
    const policy = item.datetime.invalid ?? ON_INVALID[0];
    const clock = new ZoneClock(item.datetime.tz ?? 'UTC', '/datetime/tz');
    const formats = compileDateFormats(item.datetime.formats ?? [], '/datetime/formats');
    const tried = ['ISO 8601', ...formats.map((f) => f.format)].join(', ');
    const written = (value: unknown, instant: number) =>
      instant >= MIN_INSTANT && instant <= MAX_INSTANT ? isoUtcText(instant) : onInvalid(policy, value, `${quote(value)} is outside the years 0000–9999`);

    return (value) => {
      if (value === null || value === undefined) return null;
      let text: string;
      if (typeof value === 'string') text = trimText(value);
      else if (typeof value === 'number' || typeof value === 'bigint') text = String(value);
      else if (value instanceof Date) {
        return Number.isNaN(value.getTime()) ? onInvalid(policy, value, 'the value is an Invalid Date object') : written(value, value.getTime());
      } else return onInvalid(policy, value, `${quote(value)} is not a date-time: it is ${describeKind(value)}`);
      if (text === '') return null;

      // Fastest path: `yyyy-MM-dd HH:mm:ss`, read character by character.
      const plain = readPlainDateTime(text);
      if (!Number.isNaN(plain)) return written(value, clock.instantOf(plain));
      // Fast path: the other ISO shapes, without luxon.
      let detail = '';
      const iso = ISO_DATE_TIME.exec(text);
      if (iso) {
        const wall = isoWallClock(iso);
        const offset = isoOffsetMinutes(iso);
        if (!Number.isNaN(wall) && !Number.isNaN(offset)) {
          return written(value, offset === undefined ? clock.instantOf(wall) : wall - offset * MINUTE);
        }
        detail = `: ${describeOutOfRange(iso)}`;
      }
      const result = parseWithFormats(text, formats, 'date-time');
      if ('parsed' in result) {
        // Without an offset in the text, luxon read the fields as UTC: that is the wall-clock time.
        return written(value, result.format.hasZone ? result.parsed.toMillis() : clock.instantOf(result.parsed.toMillis()));
      }
      detail ||= result.detail;
      return onInvalid(policy, value, `${quote(value)} does not match any datetime format (tried: ${tried})${detail}`);
    };
  },
};

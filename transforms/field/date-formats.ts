/**
 * The luxon formats of `date` and `datetime` (`dd/MM/yyyy`, `yyyy'年'M'月'd'日' HH:mm`), compiled
 * once with `DateTime.buildFormatParser` so that no value pays for tokenising the format, and
 * checked at compile time by a round trip, which catches the classic `dd/mm/yyyy` (minutes!).
 */
import { DateTime, FixedOffsetZone, type TokenParser } from 'luxon';
import { optionError } from './transform-option-error.js';

/** One compiled format. */
export interface DateFormat {
  /** As written in the mapping. */
  readonly format: string;
  readonly parser: TokenParser;
  /** The format reads an offset or zone (`Z`, `ZZ`, `z`): the text says which instant it is. */
  readonly hasZone: boolean;
}

/** Parser options: English month names, fields read as UTC (the caller applies the zone). */
export const PARSE_OPTIONS = { locale: 'en-US', zone: FixedOffsetZone.utcInstance, setZone: true } as const;

const SAMPLE = DateTime.fromObject({ year: 2021, month: 11, day: 23, hour: 19, minute: 47, second: 38, millisecond: 123 }, { zone: FixedOffsetZone.utcInstance });
const QUOTED = /'[^']*'/g;

/**
 * Compiles `formats`; `pointer` is the JSON pointer of the list (`/date/formats`).
 *
 * @throws {TransformOptionError} naming the first format that cannot read a year, a month and a day.
 */
export function compileDateFormats(formats: readonly string[], pointer: string): DateFormat[] {
  return formats.map((format, index) => {
    const where = `${pointer}/${index}`;
    const option = `formats[${index}]`;
    const expected = 'a luxon format with a year, a month and a day, such as `dd/MM/yyyy`';
    let parser: TokenParser;
    let roundTrip: DateTime;
    try {
      parser = DateTime.buildFormatParser(format, { locale: PARSE_OPTIONS.locale });
      roundTrip = DateTime.fromFormatParser(SAMPLE.toFormat(format, { locale: PARSE_OPTIONS.locale }), parser, PARSE_OPTIONS);
    } catch (error) {
      // Luxon throws for contradictory formats, e.g. a meridiem `a` with 24-hour `HH`.
      throw optionError(where, option, expected, format, (error as Error).message, error);
    }
    if (!roundTrip.isValid || roundTrip.year !== SAMPLE.year || roundTrip.month !== SAMPLE.month || roundTrip.day !== SAMPLE.day) {
      throw optionError(where, option, expected, format, hintFor(format));
    }
    return { format, parser, hasZone: /[Zz]/.test(format.replace(QUOTED, '')) };
  });
}

/**
 * The first of `formats` that reads `text` as a valid date, or, when none does, a detail for the
 * message when one of them had the right shape but impossible values (`31/02/2024`).
 */
export function parseWithFormats(text: string, formats: readonly DateFormat[], kind: string): { parsed: DateTime; format: DateFormat } | { detail: string } {
  let detail = '';
  for (const format of formats) {
    let parsed: DateTime;
    try {
      parsed = DateTime.fromFormatParser(text, format.parser, PARSE_OPTIONS);
    } catch {
      continue; // compileDateFormats rejected formats that throw; this only guards the per-row contract.
    }
    if (parsed.isValid) return { parsed, format };
    if (detail === '' && parsed.invalidReason === 'unit out of range') detail = `: it has the shape of ${format.format} but is not a calendar ${kind}`;
  }
  return { detail };
}

/** What probably went wrong with a format that does not round-trip. */
function hintFor(format: string): string {
  const tokens = format.replace(QUOTED, '');
  if (/mm/.test(tokens) && !/M/.test(tokens)) return '`mm` is minutes; months are `MM`';
  if (/Y/.test(tokens)) return '`YYYY` is not a luxon token; years are `yyyy`';
  if (/D/.test(tokens) && !/d/.test(tokens)) return '`DD` is a localized date macro in luxon; days are `dd`';
  return 'a date written in it cannot be read back; literal text must be in single quotes, e.g. `yyyy\'年\'M\'月\'d\'日\'`';
}

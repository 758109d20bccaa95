import { describe, expect, it } from 'vitest';
import { date } from '../../../transforms/field/date.js';
import { compile, reasonOf, thrown } from './support.js';

describe('date', () => {
  const run = compile(date, { date: { formats: ['dd/MM/yyyy', 'yyyy/M/d', 'yyyyMMdd', "yyyy'年'M'月'd'日'"] } });

  it.each([
    ['2021-03-05', '2021-03-05'],
    ['2021-03-05 14:22:10', '2021-03-05'],
    ['2021-03-05T23:30:00-05:00', '2021-03-05'],
    ['2021-03-05T01:00:00Z', '2021-03-05'],
    ['05/03/2021', '2021-03-05'],
    ['2021/3/5', '2021-03-05'],
    ['2021/03/05', '2021-03-05'],
    ['20210305', '2021-03-05'],
    ['2021年3月5日', '2021-03-05'],
    ['2021年12月25日', '2021-12-25'],
    ['  29/02/2024\u3000', '2024-02-29'],
  ])('%s → %s', (input, expected) => {
    expect(run(input)).toBe(expected);
  });

  it('reads numbers as their digits and Dates as their UTC calendar date', () => {
    expect(run(20210305)).toBe('2021-03-05');
    expect(run(new Date('2021-03-05T00:00:00Z'))).toBe('2021-03-05');
    expect(run(new Date('2021-03-05T23:59:59.999Z'))).toBe('2021-03-05');
  });

  it('rejects dates that do not exist', () => {
    expect(reasonOf(run('31/02/2021'))).toBe(
      "'31/02/2021' does not match any date format (tried: yyyy-MM-dd, dd/MM/yyyy, yyyy/M/d, yyyyMMdd, yyyy'年'M'月'd'日'): it has the shape of dd/MM/yyyy but is not a calendar date",
    );
    expect(reasonOf(run('29/02/2023'))).toContain('is not a calendar date');
    expect(reasonOf(run('2021-02-30'))).toContain('): February 2021 has no day 30');
    expect(reasonOf(run('2021-13-01'))).toContain('there is no month 13');
    expect(reasonOf(run('2021-03-05 25:00:00'))).toContain('there is no hour 25');
  });

  it('rejects text in no format, naming the formats tried', () => {
    expect(reasonOf(compile(date, { date: { formats: ['dd/MM/yyyy'] } })('March 5th'))).toBe(
      "'March 5th' does not match any date format (tried: yyyy-MM-dd, dd/MM/yyyy)",
    );
    expect(reasonOf(run('2021-3-5'))).toContain('does not match any date format');
    expect(reasonOf(run('05/03/2021 extra'))).toContain('does not match any date format');
  });

  it('only accepts ISO with the shorthand', () => {
    const iso = compile(date, date.shorthand!);
    expect(iso('2021-03-05')).toBe('2021-03-05');
    expect(reasonOf(iso('05/03/2021'))).toBe("'05/03/2021' does not match any date format (tried: yyyy-MM-dd)");
  });

  it('applies the invalid policy', () => {
    expect(compile(date, { date: { formats: [], invalid: 'null' } })('31/02/2021')).toBeNull();
    expect(compile(date, { date: { formats: [], invalid: 'keep' } })('31/02/2021')).toBe('31/02/2021');
  });

  it('treats empty text as null and other types as invalid', () => {
    expect(run(null)).toBeNull();
    expect(run(undefined)).toBeNull();
    expect(run('')).toBeNull();
    expect(run(' ')).toBeNull();
    expect(reasonOf(run(true))).toBe("'true' is not a date: it is true or false");
    expect(reasonOf(run(new Date(Number.NaN)))).toContain('Invalid Date');
    expect(reasonOf(run('9'.repeat(10_000)))).toContain('does not match any date format');
  });

  it('rejects formats that cannot read a date at compile time', () => {
    const minutes = thrown(() => compile(date, { date: { formats: ['yyyy-MM-dd', 'dd/mm/yyyy'] } }));
    expect(minutes.name).toBe('TransformOptionError');
    expect(minutes.pointer).toBe('/date/formats/1');
    expect(minutes.message).toBe(
      'Expected `formats[1]` to be a luxon format with a year, a month and a day, such as `dd/MM/yyyy`, got `dd/mm/yyyy`; `mm` is minutes; months are `MM`',
    );
    expect(thrown(() => compile(date, { date: { formats: ['YYYY-MM-dd'] } })).message).toContain('years are `yyyy`');
    expect(thrown(() => compile(date, { date: { formats: ['MM/yyyy'] } })).pointer).toBe('/date/formats/0');
    expect(thrown(() => compile(date, { date: { formats: ['yyyy-MM-dd hh a HH'] } })).pointer).toBe('/date/formats/0');
  });
});

import { describe, expect, it } from 'vitest';
import { decimal } from '../../../transforms/field/decimal.js';
import { plainText } from '../../../transforms/field/decimal-text.js';
import { integer } from '../../../transforms/field/integer.js';
import { compile, reasonOf } from './support.js';

describe('decimal', () => {
  const run = compile(decimal, decimal.shorthand!);
  const money = compile(decimal, { decimal: { scale: 2 } });

  it.each([
    ['¥1,234,567.00', '1234567.00'],
    ['$12,500', '12500'],
    ['12.500,00 €', '12500.00'],
    ['1 234,50', '1234.50'],
    ['1\u00a0234,50', '1234.50'],
    ['1\u202f234,50', '1234.50'],
    ["1'234.50", '1234.50'],
    ['CNY 50000', '50000'],
    ['RMB5,000', '5000'],
    ['rmb 5,000', '5000'],
    ['5000元', '5000'],
    ['US$ 12.5', '12.5'],
    ['€12', '12'],
    ['12 EUR', '12'],
    ['(1,234.00)', '-1234.00'],
    ['(¥1,234.00)', '-1234.00'],
    ['-12.5', '-12.5'],
    ['+3', '3'],
    ['- $12', '-12'],
    ['$-12', '-12'],
    ['−7', '-7'],
    ['１２３４．５', '1234.5'],
    ['￥１，２３４．００', '1234.00'],
    ['1.234.567', '1234567'],
    ['1,234,567', '1234567'],
    ['1.234.567,89', '1234567.89'],
    ['1,234.5', '1234.5'],
    ['12,5', '12.5'],
    ['0,125', '0.125'],
    ['1,23', '1.23'],
    ['1,2345', '1.2345'],
    ['.5', '0.5'],
    ['12.', '12'],
    ['007', '7'],
    ['000.10', '0.10'],
    ['-0', '0'],
    ['-0.00', '0.00'],
    ['  42  ', '42'],
    ['123456789012345678901234567890.123456789', '123456789012345678901234567890.123456789'],
  ])('%s → %s', (input, expected) => {
    expect(run(input)).toBe(expected);
  });

  it('reads a lone separator the documented way: . is decimal, , before 3 digits groups thousands', () => {
    expect(run('1.234')).toBe('1.234');
    expect(run('1,234')).toBe('1234');
    expect(run('1 234,567')).toBe('1234.567');
    expect(compile(decimal, { decimal: { decimal_separator: ',' } })('1.234')).toBe('1234');
    expect(compile(decimal, { decimal: { decimal_separator: ',' } })('1,234')).toBe('1.234');
    expect(compile(decimal, { decimal: { decimal_separator: '.' } })('1,234')).toBe('1234');
  });

  it('rounds half-up to the scale on the digits', () => {
    expect(money('1234567')).toBe('1234567.00');
    expect(money('(1,234)')).toBe('-1234.00');
    expect(money('0.1')).toBe('0.10');
    expect(money(0.1)).toBe('0.10');
    expect(money('0.125')).toBe('0.13');
    expect(money('0.124999')).toBe('0.12');
    expect(money('-0.125')).toBe('-0.13');
    expect(money('-0.001')).toBe('0.00');
    expect(money('9.995')).toBe('10.00');
    expect(money('999.999')).toBe('1000.00');
    expect(compile(decimal, { decimal: { scale: 0 } })('2.5')).toBe('3');
    expect(compile(decimal, { decimal: { scale: 0 } })('-2.5')).toBe('-3');
    expect(compile(decimal, { decimal: { scale: 0 } })('0.49')).toBe('0');
    expect(compile(decimal, { decimal: { scale: 4 } })('1.5')).toBe('1.5000');
    // 1.005 is 1.00499999999999989… as a float; on the digits it rounds up.
    expect(money('1.005')).toBe('1.01');
  });

  it('reads JavaScript numbers exactly as they print', () => {
    expect(run(0.1)).toBe('0.1');
    expect(run(1234.5)).toBe('1234.5');
    expect(run(-0)).toBe('0');
    expect(run(1e21)).toBe('1000000000000000000000');
    expect(run(1.5e-7)).toBe('0.00000015');
    expect(run(-2.5e-10)).toBe('-0.00000000025');
    expect(run(123n)).toBe('123');
    expect(plainText(1.2345e25)).toBe('12345000000000000000000000');
    expect(plainText(1e-7)).toBe('0.0000001');
  });

  it.each([
    ['12abc', "'12abc' is not a number: 'abc' is not a currency"],
    ['1.2.3,4', "'1.2.3,4' is not a number: '.' separates thousands here, so it must be followed by groups of exactly 3 digits"],
    ['N/A', "'N/A' is not a number: it has no digits"],
    ['-', "'-' is not a number: it has no digits"],
    ['1,23,456', "'1,23,456' is not a number: ',' separates thousands here, so it must be followed by groups of exactly 3 digits"],
    ['1.234 567,5', "'1.234 567,5' is not a number: it mixes thousands separators ('.' and ' ')"],
    ['1,234 567', "'1,234 567' is not a number: only digits may follow the decimal separator ','"],
    ['--5', "'--5' is not a number: it has more than one sign"],
    ['(-5)', "'(-5)' is not a number: it has more than one sign"],
    ['-(5)', "'-(5)' is not a number: it has characters other than digits, a sign, a currency and separators"],
    ['(5', "'(5' is not a number: it has an unmatched bracket"],
    ['1e5', "'1e5' is not a number: it has characters other than digits, a sign, a currency and separators"],
    ['50-100', "'50-100' is not a number: it has characters other than digits, a sign, a currency and separators"],
    ['12.5.', "'12.5.' is not a number: '.' separates thousands here, so it must be followed by groups of exactly 3 digits"],
  ])('rejects %s', (input, reason) => {
    expect(reasonOf(run(input))).toBe(reason);
  });

  it('rejects two decimal separators when the separator is fixed', () => {
    expect(reasonOf(compile(decimal, { decimal: { decimal_separator: '.' } })('1.234.567'))).toBe("'1.234.567' is not a number: it has more than one decimal separator '.'");
  });

  it('treats empty text as null and the rest as invalid', () => {
    expect(run(null)).toBeNull();
    expect(run(undefined)).toBeNull();
    expect(run('')).toBeNull();
    expect(run(' \u3000')).toBeNull();
    expect(reasonOf(run(Number.NaN))).toBe("'null' is not a number: NaN is not a finite number");
    expect(reasonOf(run(Number.POSITIVE_INFINITY))).toContain('Infinity is not a finite number');
    expect(reasonOf(run(true))).toBe("'true' is not a number: it is not text or a number");
    expect(reasonOf(run('1'.repeat(50_000) + 'x'))).toContain('is not a number');
  });

  it('applies the invalid policy', () => {
    expect(compile(decimal, { decimal: { invalid: 'null' } })('N/A')).toBeNull();
    expect(compile(decimal, { decimal: { invalid: 'keep' } })('N/A')).toBe('N/A');
  });

  it('property: well-formed amounts in every style parse back exactly', () => {
    let seed = 2024;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const digits = (n: number) => Array.from({ length: n }, () => String(random(10))).join('');
    const group = (whole: string, separator: string) => whole.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
    const styles = [
      { thousands: ',', decimal: '.', option: 'auto' },
      { thousands: '.', decimal: ',', option: ',' },
      { thousands: ' ', decimal: ',', option: 'auto' },
      { thousands: '\u00a0', decimal: ',', option: ',' },
      { thousands: "'", decimal: '.', option: '.' },
      { thousands: '', decimal: '.', option: 'auto' },
      { thousands: '', decimal: ',', option: ',' },
    ] as const;
    const prefixes = ['', '¥', '$', 'CNY ', 'RMB', '€ '];
    const suffixes = ['', ' €', '元', ' USD'];
    const runs = new Map(styles.map((s) => [s.option, compile(decimal, { decimal: { decimal_separator: s.option } })]));
    for (let i = 0; i < 1000; i++) {
      const whole = random(5) === 0 ? '0' : String(1 + random(9)) + digits(random(15));
      let fraction = random(3) === 0 ? '' : digits(1 + random(6));
      const negative = random(4) === 0;
      const style = styles[random(styles.length)]!;
      // `601,048` is 601048 under `auto` (documented); keep the generated text unambiguous.
      if (style.option === 'auto' && style.decimal === ',' && whole.length <= 3 && fraction.length === 3) fraction += '5';
      const body = group(whole, style.thousands) + (fraction ? style.decimal + fraction : '');
      const text = (negative ? '-' : '') + prefixes[random(prefixes.length)]! + body + suffixes[random(suffixes.length)]!;
      const result = runs.get(style.option)!(text);
      expect(result, text).toMatch(/^-?\d+(\.\d+)?$/);
      const isZero = /^0*$/.test(whole + fraction);
      expect(result, text).toBe(`${negative && !isZero ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`);
      // Its own output reads back unchanged, and scales to exactly two decimals.
      expect(run(result)).toBe(result);
      expect(money(result)).toMatch(/^-?\d+\.\d{2}$/);
    }
  });
});

describe('integer', () => {
  const run = compile(integer, integer.shorthand!);

  it.each([
    ['1,200', 1200],
    ['1 200', 1200],
    ['1\u3000200', 1200],
    ['１２００', 1200],
    ['42', 42],
    ['-7', -7],
    ['(15)', -15],
    ['12.00', 12],
    ['-0', 0],
    ['¥5,000', 5000],
    ['9007199254740991', 9007199254740991],
    ['-9007199254740991', -9007199254740991],
    [80, 80],
    [12.0, 12],
    [-0, 0],
    [123n, 123],
  ])('%s → %s', (input, expected) => {
    const result = run(input);
    expect(result).toBe(expected);
    expect(Object.is(result, -0)).toBe(false);
  });

  it.each([
    ['12.5', "'12.5' is not a whole number"],
    [12.5, "'12.5' is not a whole number"],
    ['50-100', "'50-100' is not a whole number: it has characters other than digits, a sign, a currency and separators"],
    ['approx 80', "'approx 80' is not a whole number: 'approx' is not a currency"],
    ['9007199254740992', "'9007199254740992' is outside the safe integer range (±9007199254740991); use decimal for it"],
    ['12345678901234567890', "'12345678901234567890' is outside the safe integer range (±9007199254740991); use decimal for it"],
    [1e20, "'100000000000000000000' is outside the safe integer range (±9007199254740991); use decimal for it"],
    ['1.2.3,4', "'1.2.3,4' is not a whole number: '.' separates thousands here, so it must be followed by groups of exactly 3 digits"],
  ])('rejects %s', (input, reason) => {
    expect(reasonOf(run(input))).toBe(reason);
  });

  it('reads 1.000 as one unless the data is comma-decimal', () => {
    expect(run('1.000')).toBe(1);
    expect(compile(integer, { integer: { decimal_separator: ',' } })('1.000')).toBe(1000);
  });

  it('treats empty text as null and applies the invalid policy', () => {
    expect(run(null)).toBeNull();
    expect(run(undefined)).toBeNull();
    expect(run('')).toBeNull();
    expect(compile(integer, { integer: { invalid: 'null' } })('approx 80')).toBeNull();
    expect(compile(integer, { integer: { invalid: 'keep' } })('approx 80')).toBe('approx 80');
  });
});

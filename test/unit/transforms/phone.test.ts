import { describe, expect, it } from 'vitest';
import { phone } from '../../../transforms/field/phone.js';
import { compile, reasonOf, thrown } from './support.js';

describe('phone', () => {
  const run = compile(phone, { phone: { default_country: 'CN' } });

  it.each([
    ['+86 138 0013 8000', '+8613800138000'],
    ['138-0013-8000', '+8613800138000'],
    ['(0086)13800138000', '+8613800138000'],
    ['0086 138 0013 8000', '+8613800138000'],
    ['+8613800138000', '+8613800138000'],
    ['  13800138000\u3000', '+8613800138000'],
    ['１３８００１３８０００', '+8613800138000'],
    ['(021) 6234-5678', '+862162345678'],
    ['021-62345678', '+862162345678'],
    ['+1 (415) 555-2671', '+14155552671'],
    ['+49 30 1234567', '+49301234567'],
    ['+44 20 7946 0958', '+442079460958'],
  ])('%s → %s', (input, expected) => {
    expect(run(input)).toBe(expected);
  });

  it('reads JavaScript numbers as their digits', () => {
    expect(run(13800138000)).toBe('+8613800138000');
    expect(run(8613800138000)).toBe('+8613800138000');
    expect(run(13800138000n)).toBe('+8613800138000');
  });

  it('rejects numbers that are not valid for the country', () => {
    expect(reasonOf(run('12345'))).toBe("'12345' is not a valid phone number for CN");
    expect(reasonOf(run(12345))).toBe("'12345' is not a valid phone number for CN");
    // The max metadata knows that no Chinese mobile number starts with 100; min would accept it.
    expect(reasonOf(run('10000000000'))).toBe("'10000000000' is not a valid phone number for CN");
    expect(reasonOf(run('+1 555'))).toContain('is not a valid phone number');
    expect(reasonOf(run('13800138000/13900139000'))).toContain('is not a valid phone number for CN');
    expect(reasonOf(run('call me'))).toContain('is not a valid phone number for CN');
  });

  it('rejects extensions, which E.164 cannot carry', () => {
    expect(reasonOf(run('021-62345678 ext. 123'))).toBe("'021-62345678 ext. 123' has an extension (123), which E.164 cannot carry; split it into its own field");
  });

  it('rejects values that are not text or whole numbers', () => {
    expect(reasonOf(run(1.5))).toContain('not text or a whole number');
    expect(reasonOf(run(true))).toContain('not text or a whole number');
  });

  it('applies the invalid policy', () => {
    expect(compile(phone, { phone: { default_country: 'CN', invalid: 'null' } })('12345')).toBeNull();
    expect(compile(phone, { phone: { default_country: 'CN', invalid: 'keep' } })('12345')).toBe('12345');
  });

  it('without default_country accepts only international numbers', () => {
    const international = compile(phone, phone.shorthand!);
    expect(international('+86 138 0013 8000')).toBe('+8613800138000');
    expect(reasonOf(international('138-0013-8000'))).toBe("'138-0013-8000' is not a valid phone number: it has no country code (+…) and `default_country` is not set");
  });

  it('treats empty text as null', () => {
    expect(run(null)).toBeNull();
    expect(run(undefined)).toBeNull();
    expect(run('')).toBeNull();
    expect(run('  ')).toBeNull();
  });

  it('copes with very long junk', () => {
    expect(reasonOf(run('1'.repeat(10_000)))).toContain('is not a valid phone number');
  });

  it('rejects a country the library does not know at compile time', () => {
    const error = thrown(() => compile(phone, { phone: { default_country: 'UK' } }));
    expect(error.name).toBe('TransformOptionError');
    expect(error.pointer).toBe('/phone/default_country');
    expect(error.message).toBe('Expected `default_country` to be an ISO 3166-1 alpha-2 country code known to libphonenumber-js, such as `CN`, got `UK`; did you mean `GB`?');
    expect(thrown(() => compile(phone, { phone: { default_country: 'XX' } })).message).toMatch(/got `XX`$/);
  });
});

import { describe, expect, it } from 'vitest';
import { email } from '../../../transforms/field/email.js';
import { compile, reasonOf } from './support.js';

describe('email', () => {
  const run = compile(email, email.shorthand!);

  it('normalises valid addresses', () => {
    expect(run('John.Doe@Example.COM')).toBe('john.doe@example.com');
    expect(run("o'brien+tag@mail.example.co.uk")).toBe("o'brien+tag@mail.example.co.uk");
    expect(run('  zhang.wei@qq.com\u3000')).toBe('zhang.wei@qq.com');
    expect(run('mailto:Li.Na@163.com')).toBe('li.na@163.com');
    expect(run('MAILTO:li.na@163.com?subject=hello')).toBe('li.na@163.com');
    expect(run('Zhang Wei <Zhang.Wei@Example.com>')).toBe('zhang.wei@example.com');
    expect(run('"Wei, Zhang" <zw@example.com>')).toBe('zw@example.com');
    expect(run('<mailto:zw@example.com>')).toBe('zw@example.com');
    expect(run('user_name-1@sub-domain.example.io')).toBe('user_name-1@sub-domain.example.io');
  });

  it('folds full-width characters typed by Chinese input methods', () => {
    expect(run('ｚｈａｎｇ＠ｑｑ．ｃｏｍ')).toBe('zhang@qq.com');
    expect(run('wang＠163.com')).toBe('wang@163.com');
  });

  it('writes internationalised domains in punycode', () => {
    expect(run('info@München.de')).toBe('info@xn--mnchen-3ya.de');
    expect(run('admin@例子.中国')).toBe('admin@xn--fsqu00a.xn--fiqs8s');
  });

  it('can keep the case of the local part', () => {
    expect(compile(email, { email: { lowercase: false } })('John.Doe@Example.COM')).toBe('John.Doe@example.com');
  });

  it.each([
    ['zhang.wei@@qq.com', "it has more than one '@'"],
    ['wang_li#163.com', "it has no '@'"],
    ['li.na@example', "the domain 'example' has no dot"],
    ['john doe@example.com', "the part before '@' contains a space"],
    ['@example.com', "nothing comes before the '@'"],
    ['a@b.c', "the domain ends in '.c', which is not a top-level domain of 2 or more letters"],
    ['zhang@', "nothing comes after the '@'"],
    ['a..b@example.com', 'two dots in a row'],
    ['.a@example.com', 'starts or ends with a dot'],
    ['a@example..com', 'two dots in a row'],
    ['a@-example.com', "the domain part '-example' may only have letters"],
    ['a@exa_mple.com', "the domain part 'exa_mple'"],
    ['a@example.123', "the domain ends in '.123'"],
    ['张伟@qq.com', "the non-ASCII character '张'"],
    ['a\tb@example.com', 'whitespace (U+0009)'],
    ['Zhang <zw@example.com', "unmatched '<' or '>'"],
    ['a@[127.0.0.1]', "the domain part '[127'"],
    [`${'a'.repeat(65)}@example.com`, 'longer than 64 characters'],
    [`a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(63)}.com`, 'longer than 254 characters'],
  ])('rejects %s', (input, detail) => {
    const reason = reasonOf(run(input));
    expect(reason.startsWith(`'${input.length > 80 ? input.slice(0, 77) : input}`)).toBe(true);
    expect(reason).toContain('is not a valid e-mail address: ');
    expect(reason).toContain(detail);
  });

  it('writes the reason for the brief example exactly', () => {
    expect(reasonOf(run('zhang.wei@@qq.com'))).toBe("'zhang.wei@@qq.com' is not a valid e-mail address: it has more than one '@'");
  });

  it('applies the invalid policy', () => {
    expect(compile(email, { email: { invalid: 'null' } })('li.na@example')).toBeNull();
    expect(compile(email, { email: { invalid: 'keep' } })('li.na@example')).toBe('li.na@example');
  });

  it('treats empty text as null and other types as invalid', () => {
    expect(run(null)).toBeNull();
    expect(run(undefined)).toBeNull();
    expect(run('')).toBeNull();
    expect(run(' \u3000 ')).toBeNull();
    expect(reasonOf(run(12345))).toBe("'12345' is not a valid e-mail address: it is a number, not text");
  });

  it('copes with very long junk', () => {
    const reason = reasonOf(run('x'.repeat(100_000)));
    expect(reason.length).toBeLessThan(200);
  });
});

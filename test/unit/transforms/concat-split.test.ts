import { describe, expect, it } from 'vitest';
import { concat } from '../../../transforms/field/concat.js';
import { split } from '../../../transforms/field/split.js';
import { compile, thrown } from './support.js';

describe('concat', () => {
  const run = compile(concat, concat.shorthand!);

  it('joins the trimmed, non-empty parts', () => {
    expect(run(['Zhang', 'Wei'])).toBe('Zhang Wei');
    expect(run([' 上海市 ', null, '', '  ', '浦东新区', undefined])).toBe('上海市 浦东新区');
    expect(compile(concat, { concat: { separator: ', ' } })(['Room 501', 88, 'Zhangjiang Rd'])).toBe('Room 501, 88, Zhangjiang Rd');
  });

  it('is null when nothing remains', () => {
    expect(run([null, '', ' \u3000'])).toBeNull();
    expect(run([])).toBeNull();
    expect(compile(concat, { concat: { skip_empty: false } })([null, ''])).toBeNull();
  });

  it('keeps empty positions with skip_empty: false', () => {
    expect(compile(concat, { concat: { separator: ',', skip_empty: false } })(['a', null, ' ', 'd'])).toBe('a,,,d');
  });

  it('writes dates in ISO form and passes single columns through', () => {
    expect(run(['due', new Date('2021-03-05T00:00:00Z')])).toBe('due 2021-03-05T00:00:00.000Z');
    expect(run(' single ')).toBe(' single ');
    expect(run(5)).toBe(5);
    expect(run(null)).toBeNull();
    expect(run(undefined)).toBeNull();
  });
});

describe('split', () => {
  it('returns the trimmed part at index', () => {
    expect(compile(split, { split: { separator: ',' } })('Zhang , Wei')).toBe('Zhang');
    expect(compile(split, { split: { separator: ',', index: 1 } })('Zhang , Wei')).toBe('Wei');
    expect(compile(split, { split: { separator: '/', index: -1 } })('CN / Shanghai / Pudong')).toBe('Pudong');
    expect(compile(split, { split: { separator: '/', index: -3 } })('CN / Shanghai / Pudong')).toBe('CN');
  });

  it('is null when the part is missing or empty', () => {
    expect(compile(split, { split: { separator: ',', index: 2 } })('a,b')).toBeNull();
    expect(compile(split, { split: { separator: ',', index: -3 } })('a,b')).toBeNull();
    expect(compile(split, { split: { separator: ',', index: 1 } })('a, ,c')).toBeNull();
    expect(compile(split, { split: { separator: ',' } })('a')).toBe('a');
  });

  it('splits at a regular expression', () => {
    const run = compile(split, { split: { separator: { regex: '\\s*[/,，;；]\\s*' }, index: 1 } });
    expect(run('上海；北京')).toBe('北京');
    expect(run('a , b')).toBe('b');
  });

  it('splits numbers as text and passes other values through', () => {
    const run = compile(split, { split: { separator: '.', index: 1 } });
    expect(run(12.5)).toBe('5');
    expect(run(null)).toBeNull();
    expect(run(undefined)).toBeNull();
    expect(run(true)).toBe(true);
    const date = new Date(0);
    expect(run(date)).toBe(date);
  });

  it('rejects unusable regular expressions at compile time', () => {
    const invalid = thrown(() => compile(split, { split: { separator: { regex: '[' } } }));
    expect(invalid.name).toBe('TransformOptionError');
    expect(invalid.pointer).toBe('/split/separator/regex');
    expect(invalid.message).toMatch(/^Expected `separator.regex` to be a JavaScript regular expression, got `\[`; Invalid regular expression/);
    expect(thrown(() => compile(split, { split: { separator: { regex: '(,)' } } })).message).toContain('write `(?:…)` for grouping');
    expect(thrown(() => compile(split, { split: { separator: { regex: ',*' } } })).message).toContain('matches the empty string');
  });
});

import { describe, expect, it } from 'vitest';
import { defaultValue } from '../../../transforms/field/default-value.js';
import { lower, title, upper } from '../../../transforms/field/letter-case.js';
import { nfkc } from '../../../transforms/field/nfkc.js';
import { nullif } from '../../../transforms/field/nullif.js';
import { replace } from '../../../transforms/field/replace.js';
import { truncate } from '../../../transforms/field/truncate.js';
import { collapseSpaces, trim, trimText } from '../../../transforms/field/whitespace.js';
import { compile, thrown } from './support.js';

const date = new Date('2021-03-05T00:00:00Z');

describe('trim', () => {
  const run = compile(trim, trim.shorthand!);

  it('strips ASCII and Unicode whitespace at both ends', () => {
    expect(run('  Acme Ltd \t\n')).toBe('Acme Ltd');
    expect(run('\u3000北京字节跳动\u3000\u3000')).toBe('北京字节跳动');
    expect(run('\u00a0Zhang Wei\u00a0')).toBe('Zhang Wei');
    expect(run('\ufeffid')).toBe('id');
    expect(run('\u200bname\u200b')).toBe('name');
    expect(run(' \u200b \u2060x\u180e ')).toBe('x');
  });

  it('keeps inner whitespace and zero-width characters', () => {
    expect(run(' a  b ')).toBe('a  b');
    expect(run('a\u200bb')).toBe('a\u200bb');
  });

  it('turns whitespace-only text into the empty string', () => {
    expect(run(' \u3000\t\u200b ')).toBe('');
  });

  it('leaves values that are not text alone, null as null', () => {
    expect(run(42)).toBe(42);
    expect(run(true)).toBe(true);
    expect(run(date)).toBe(date);
    expect(run(null)).toBeNull();
    expect(run(undefined)).toBeNull();
  });

  it('handles very long text', () => {
    const long = `  ${'x'.repeat(1_000_000)}\u3000`;
    expect(run(long)).toHaveLength(1_000_000);
    expect(trimText('x')).toBe('x');
  });
});

describe('collapse_spaces', () => {
  const run = compile(collapseSpaces, collapseSpaces.shorthand!);

  it('turns each run of whitespace into one ASCII space', () => {
    expect(run('Room  501\t\tBuilding\n\n3')).toBe('Room 501 Building 3');
    expect(run('上海市\u3000\u3000浦东新区')).toBe('上海市 浦东新区');
    expect(run('a\u00a0b\r\nc')).toBe('a b c');
  });

  it('does not trim and leaves single spaces alone', () => {
    expect(run('  a  ')).toBe(' a ');
    const plain = 'already clean text';
    expect(run(plain)).toBe(plain);
  });

  it('passes null and non-text through', () => {
    expect(run(null)).toBeNull();
    expect(run(undefined)).toBeNull();
    expect(run(12)).toBe(12);
  });
});

describe('lower, upper, title', () => {
  const toLower = compile(lower, lower.shorthand!);
  const toUpper = compile(upper, upper.shorthand!);
  const toTitle = compile(title, title.shorthand!);

  it('changes case without a locale', () => {
    expect(toLower('John.Doe@Example.COM')).toBe('john.doe@example.com');
    expect(toUpper('cn-sh-001')).toBe('CN-SH-001');
    expect(toUpper('straße')).toBe('STRASSE');
    expect(toLower('ISTANBUL')).toBe('istanbul');
  });

  it('capitalises Latin words and leaves CJK alone', () => {
    expect(toTitle("mcdonald's trading co.")).toBe("Mcdonald's Trading Co.");
    expect(toTitle('ACME (上海) trading LTD')).toBe('Acme (上海) Trading Ltd');
    expect(toTitle('北京字节跳动科技有限公司')).toBe('北京字节跳动科技有限公司');
    expect(toTitle('jean-luc picard')).toBe('Jean-Luc Picard');
    expect(toTitle('3m china')).toBe('3m China');
    expect(toTitle('zoë ÅSTRÖM')).toBe('Zoë Åström');
    expect(toTitle('rock ’n’ roll')).toBe('Rock ’n’ Roll');
  });

  it('passes null and non-text through', () => {
    for (const run of [toLower, toUpper, toTitle]) {
      expect(run(null)).toBeNull();
      expect(run(undefined)).toBeNull();
      expect(run(7)).toBe(7);
      expect(run('')).toBe('');
    }
  });
});

describe('nfkc', () => {
  const run = compile(nfkc, nfkc.shorthand!);

  it('folds full-width letters, digits and punctuation to half-width', () => {
    expect(run('ＡＢＣ（上海）')).toBe('ABC(上海)');
    expect(run('１３８００１３８０００')).toBe('13800138000');
    expect(run('ｚｈａｎｇ＠ｑｑ．ｃｏｍ')).toBe('zhang@qq.com');
    expect(run('a\u3000b')).toBe('a b');
    expect(run('ｶﾀｶﾅ')).toBe('カタカナ');
  });

  it('leaves ASCII and CJK unchanged', () => {
    expect(run('Acme Ltd')).toBe('Acme Ltd');
    expect(run('北京')).toBe('北京');
  });

  it('passes null and non-text through', () => {
    expect(run(null)).toBeNull();
    expect(run(undefined)).toBeNull();
    expect(run(3.5)).toBe(3.5);
  });
});

describe('truncate', () => {
  it('cuts to N code points', () => {
    const run = compile(truncate, { truncate: 5 });
    expect(run('abcdefgh')).toBe('abcde');
    expect(run('abc')).toBe('abc');
    expect(run('北京字节跳动科技')).toBe('北京字节跳');
  });

  it('never splits a surrogate pair and counts it as one', () => {
    const run = compile(truncate, { truncate: 3 });
    expect(run('😀😀😀😀')).toBe('😀😀😀');
    expect(run('a😀bc')).toBe('a😀b');
    expect(run('ab😀')).toBe('ab😀');
    expect(compile(truncate, { truncate: 1 })('😀x')).toBe('😀');
    expect(compile(truncate, { truncate: 2 })('𠮷野家')).toBe('𠮷野');
  });

  it('cuts very long text', () => {
    expect(compile(truncate, { truncate: 255 })('x'.repeat(100_000))).toHaveLength(255);
  });

  it('passes null and non-text through', () => {
    const run = compile(truncate, { truncate: 2 });
    expect(run(null)).toBeNull();
    expect(run(undefined)).toBeNull();
    expect(run(123456)).toBe(123456);
  });
});

describe('replace', () => {
  it('replaces every match by default', () => {
    const run = compile(replace, { replace: { pattern: '[-\\s]', with: '' } });
    expect(run('138-0013 8000')).toBe('13800138000');
  });

  it('removes matches when `with` is absent', () => {
    expect(compile(replace, { replace: { pattern: '\\s*[(（].*[)）]$' } })('Acme Ltd (old account)')).toBe('Acme Ltd');
  });

  it('honours flags and group references', () => {
    expect(compile(replace, { replace: { pattern: 'ltd', with: 'Limited', flags: 'i' } })('Acme LTD ltd')).toBe('Acme Limited ltd');
    expect(compile(replace, { replace: { pattern: '(\\w+), (\\w+)', with: '$2 $1' } })('Doe, John')).toBe('John Doe');
    expect(compile(replace, { replace: { pattern: '(?<area>\\d{3})-', with: '($<area>) ' } })('021-6234')).toBe('(021) 6234');
    expect(compile(replace, { replace: { pattern: 'x', with: '$$1' } })('axb')).toBe('a$1b');
  });

  it('gives the same result for every value with a sticky regex', () => {
    const run = compile(replace, { replace: { pattern: 'a', with: 'b', flags: 'y' } });
    expect(run('aa')).toBe('ba');
    expect(run('aa')).toBe('ba');
  });

  it('replaces numbers in their text form and passes other values through', () => {
    const run = compile(replace, { replace: { pattern: '^86', with: '' } });
    expect(run(8613800138000)).toBe('13800138000');
    expect(run(null)).toBeNull();
    expect(run(undefined)).toBeNull();
    expect(run(true)).toBe(true);
    expect(run(date)).toBe(date);
  });

  it('rejects an invalid regex at compile time with the pointer', () => {
    const error = thrown(() => compile(replace, { replace: { pattern: '([a-z]' } }));
    expect(error.name).toBe('TransformOptionError');
    expect(error.pointer).toBe('/replace/pattern');
    expect(error.message).toMatch(/^Expected `pattern` to be a JavaScript regular expression, got `\(\[a-z\]`; .*Unterminated group/);
  });

  it('rejects repeated flags and references to missing groups', () => {
    expect(thrown(() => compile(replace, { replace: { pattern: 'a', flags: 'gg' } })).pointer).toBe('/replace/flags');
    const missing = thrown(() => compile(replace, { replace: { pattern: '(a)', with: '$2' } }));
    expect(missing.pointer).toBe('/replace/with');
    expect(missing.message).toContain('`$2` has no group');
    expect(thrown(() => compile(replace, { replace: { pattern: '(a)', with: '$0' } })).message).toContain('use `$&`');
    expect(thrown(() => compile(replace, { replace: { pattern: '(?<a>x)', with: '$<b>' } })).message).toContain('`$<b>` has no group');
    expect(() => compile(replace, { replace: { pattern: '(a)', with: '$1$&' } })).not.toThrow();
  });
});

describe('nullif', () => {
  const run = compile(nullif, { nullif: ['', 'N/A', '-', 'null', '无', 0] });

  it('nulls placeholders, trimmed and ignoring case', () => {
    for (const placeholder of ['', '  ', 'N/A', 'n/a', ' n/A ', '-', 'NULL', '无', '\u3000无\u3000', 0, '0']) {
      expect(run(placeholder), JSON.stringify(placeholder)).toBeNull();
    }
  });

  it('keeps everything else unchanged', () => {
    expect(run(' Acme ')).toBe(' Acme ');
    expect(run('n/a2')).toBe('n/a2');
    expect(run(1)).toBe(1);
    expect(run(false)).toBe(false);
    expect(run(date)).toBe(date);
    expect(run(null)).toBeNull();
    expect(run(undefined)).toBeNull();
  });

  it('compares numbers by their text', () => {
    const numeric = compile(nullif, { nullif: [-1, 9999] });
    expect(numeric(-1)).toBeNull();
    expect(numeric('9999')).toBeNull();
    expect(numeric(99)).toBe(99);
  });
});

describe('default', () => {
  it('fills null, undefined, empty and whitespace-only text', () => {
    const run = compile(defaultValue, { default: 'CN' });
    expect(run(null)).toBe('CN');
    expect(run(undefined)).toBe('CN');
    expect(run('')).toBe('CN');
    expect(run(' \u3000')).toBe('CN');
  });

  it('keeps present values, including 0 and false', () => {
    const run = compile(defaultValue, { default: 1 });
    expect(run(0)).toBe(0);
    expect(run(false)).toBe(false);
    expect(run('x')).toBe('x');
    expect(compile(defaultValue, { default: false })(null)).toBe(false);
  });
});

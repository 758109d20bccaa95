import { describe, expect, it } from 'vitest';
import { copyText } from '../../../connectors/postgres/copy-upsert.js';

describe('copyText (COPY text format)', () => {
  it('writes NULL as \\N, booleans as t/f, numbers as their digits', () => {
    expect(copyText([{ a: null, b: undefined, c: true, d: false, e: 12.5, f: 0 }], ['a', 'b', 'c', 'd', 'e', 'f'])).toBe('\\N\t\\N\tt\tf\t12.5\t0\n');
  });

  it('escapes backslash, tab, newline and carriage return, and nothing else', () => {
    expect(copyText([{ a: 'x\\y\tz\r\nw "q" \'s\' 中文 😀' }], ['a'])).toBe('x\\\\y\\tz\\r\\nw "q" \'s\' 中文 😀\n');
  });

  it('writes objects and arrays as JSON text, escaped, and a Date as pg would bind it', () => {
    expect(copyText([{ a: { k: 'a\nb' }, b: [1, 'x'] }], ['a', 'b'])).toBe('{"k":"a\\\\nb"}\t[1,"x"]\n');
    const [line] = copyText([{ d: new Date(Date.UTC(2021, 2, 5, 6, 7, 8, 9)) }], ['d']).split('\n');
    expect(new Date(line!).getTime()).toBe(Date.UTC(2021, 2, 5, 6, 7, 8, 9));
  });

  it('writes one line per row, columns in the order given', () => {
    expect(copyText([{ a: 1, b: 'x' }, { b: 'y', a: 2 }], ['b', 'a'])).toBe('x\t1\ny\t2\n');
  });
});

import { describe, expect, it } from 'vitest';
import { boolean } from '../../../transforms/field/boolean.js';
import { valueMap } from '../../../transforms/field/value-map.js';
import { compile, reasonOf, thrown } from './support.js';

describe('map', () => {
  const status = compile(valueMap, { map: { A: 'active', I: 'inactive', P: 'prospect', L: 'lead' }, unknown: 'reject' });

  it('translates keys, trimmed and ignoring case by default', () => {
    expect(status('A')).toBe('active');
    expect(status(' a\u3000')).toBe('active');
    expect(compile(valueMap, { map: { 中国: 'CN', China: 'CN', PRC: 'CN' } })('china')).toBe('CN');
    expect(compile(valueMap, { map: { 中国: 'CN' } })(' 中国 ')).toBe('CN');
  });

  it('rejects unknown values by default, listing the known keys', () => {
    expect(reasonOf(status('Z9'))).toBe("'Z9' is not in the map (known: A, I, P, L)");
    const many = compile(valueMap, { map: Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, i])) });
    expect(reasonOf(many('x'))).toBe("'x' is not in the map (known: k0, k1, k2, k3, k4, k5, k6, k7, k8, k9 and 15 more)");
    expect(reasonOf(status(new Date(0)))).toContain('is not in the map');
  });

  it('compares numbers and booleans by their text', () => {
    const ticket = compile(valueMap, { map: { '1': 'new', '2': 'open' } });
    expect(ticket(1)).toBe('new');
    expect(ticket('2')).toBe('open');
    expect(compile(valueMap, { map: { true: 'yes' } })(true)).toBe('yes');
    expect(compile(valueMap, { map: { '1.5': 'x' } })(1.5)).toBe('x');
  });

  it('honours ignore_case: false', () => {
    const exact = compile(valueMap, { map: { A: 'active', a: 'archived' }, ignore_case: false });
    expect(exact('A')).toBe('active');
    expect(exact(' a ')).toBe('archived');
  });

  it('maps to null, numbers and booleans', () => {
    const run = compile(valueMap, { map: { none: null, one: 1, yes: true } });
    expect(run('none')).toBeNull();
    expect(run('one')).toBe(1);
    expect(run('yes')).toBe(true);
  });

  it('handles unknown: null, keep and default', () => {
    expect(compile(valueMap, { map: { a: 'b' }, unknown: 'null' })('z')).toBeNull();
    expect(compile(valueMap, { map: { a: 'b' }, unknown: 'keep' })(' z ')).toBe(' z ');
    expect(compile(valueMap, { map: { a: 'b' }, unknown: 'default', default: 'other' })('z')).toBe('other');
    expect(compile(valueMap, { map: { a: 'b' }, unknown: 'default', default: null })('z')).toBeNull();
  });

  it('passes null through', () => {
    expect(status(null)).toBeNull();
    expect(status(undefined)).toBeNull();
    expect(reasonOf(status(''))).toContain("'' is not in the map");
    expect(compile(valueMap, { map: { '': 'blank' } })('  ')).toBe('blank');
  });

  it('checks the options a schema cannot at compile time', () => {
    const missing = thrown(() => compile(valueMap, { map: { a: 'b' }, unknown: 'default' }));
    expect(missing.name).toBe('TransformOptionError');
    expect(missing.pointer).toBe('/unknown');
    expect(missing.message).toBe('Expected `unknown` to be paired with a `default` value when it is `default`, got `default`; add `default: <value>` or choose reject, null or keep');
    expect(thrown(() => compile(valueMap, { map: { a: 'b' }, default: 'x' })).pointer).toBe('/default');
    const clash = thrown(() => compile(valueMap, { map: { China: 'CN', 'CHINA ': 'TW' } }));
    expect(clash.pointer).toBe('/map/CHINA ');
    expect(clash.message).toContain('it clashes with `China`, which maps to `CN`, not `TW`');
    expect(thrown(() => compile(valueMap, { map: { 'a/b': 1, 'A/B': 2 } })).pointer).toBe('/map/A~1B');
    expect(() => compile(valueMap, { map: { China: 'CN', CHINA: 'CN' } })).not.toThrow();
  });
});

describe('boolean', () => {
  const run = compile(boolean, boolean.shorthand!);

  it('reads the default spellings, trimmed and ignoring case', () => {
    for (const yes of [1, '1', 'true', 'T', 'Yes', 'y', '是', 'ON', 'x', ' X ', true]) expect(run(yes), String(yes)).toBe(true);
    for (const no of [0, '0', 'FALSE', 'f', 'No', 'n', '否', 'off', '', '  ', false]) expect(run(no), String(no)).toBe(false);
  });

  it('rejects anything else, listing the spellings', () => {
    expect(reasonOf(run('maybe'))).toBe("'maybe' is neither true (1, true, t, yes, y, 是, on, x) nor false (0, false, f, no, n, 否, off, '')");
    expect(reasonOf(run(2))).toContain("'2' is neither");
    expect(reasonOf(run(new Date(0)))).toContain('is neither');
  });

  it('passes null through', () => {
    expect(run(null)).toBeNull();
    expect(run(undefined)).toBeNull();
  });

  it('takes custom lists, which replace the defaults', () => {
    const custom = compile(boolean, { boolean: { true: ['Active', 'A'], false: ['Inactive', 'I'] } });
    expect(custom(' active ')).toBe(true);
    expect(custom('i')).toBe(false);
    expect(reasonOf(custom('1'))).toBe("'1' is neither true (Active, A) nor false (Inactive, I)");
    expect(compile(boolean, { boolean: { true: ['Y'], invalid: 'null' } })('?')).toBeNull();
    expect(compile(boolean, { boolean: { invalid: 'keep' } })('?')).toBe('?');
  });

  it('refuses a spelling that is both true and false', () => {
    const error = thrown(() => compile(boolean, { boolean: { false: ['no', 'x'] } }));
    expect(error.pointer).toBe('/boolean/false/1');
    expect(error.message).toBe('Expected `false` to be a list that shares no value with `true`, got `x`; it is in both lists');
  });
});

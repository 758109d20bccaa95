import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../../../transforms/field/field-transform.js';
import { FIELD_TRANSFORM_NAMES, FIELD_TRANSFORMS, getFieldTransform } from '../../../transforms/field/registry.js';
import { closestName, optionError, pointerToken, TransformOptionError } from '../../../transforms/field/transform-option-error.js';

// The config loader uses Ajv2020; the brief asks for plain `new Ajv({ strict: true })` too. Both
// without allowUnionTypes, so that no schema relies on it.
const validators = {
  'ajv (draft-07)': new Ajv({ strict: true, allErrors: true }),
  'ajv 2020-12': new Ajv2020({ strict: true, allErrors: true }),
};

function compileAll(schema: JsonSchema): ValidateFunction[] {
  return Object.values(validators).map((ajv) => ajv.compile(schema));
}

/** Items that each schema must reject: a wrong option per transform. */
const WRONG: Record<(typeof FIELD_TRANSFORM_NAMES)[number], readonly unknown[]> = {
  trim: [{ trim: { side: 'left' } }, { trim: 'yes' }],
  collapse_spaces: [{ collapse_spaces: { keep_newlines: true } }],
  lower: [{ lower: 1 }],
  upper: [{ upper: { locale: 'tr' } }],
  title: [{ title: [] }],
  nfkc: [{ nfkc: { form: 'NFC' } }],
  nullif: [{ nullif: [] }, { nullif: 'N/A' }, { nullif: [null] }, { nullif: [{}] }],
  default: [{ default: null }, { default: ['a'] }, { default: 'x', extra: 1 }],
  email: [{ email: { invalid: 'drop' } }, { email: { lowercase: 'yes' } }, { email: { strict: true } }],
  phone: [{ phone: { default_country: 'cn' } }, { phone: { default_country: 'CHN' } }, { phone: { invalid: 'skip' } }],
  date: [{ date: { formats: 'dd/MM/yyyy' } }, { date: { formats: [''] } }, { date: { tz: 'UTC' } }],
  datetime: [{ datetime: { tz: '' } }, { datetime: { formats: [1] } }, { datetime: { invalid: 'reject', zone: 'UTC' } }],
  decimal: [{ decimal: { scale: -1 } }, { decimal: { scale: 1.5 } }, { decimal: { decimal_separator: ';' } }],
  integer: [{ integer: { invalid: 'drop' } }, { integer: { scale: 0 } }],
  boolean: [{ boolean: { true: 'yes' } }, { boolean: { false: [null] } }, { boolean: { invalid: 'false' } }],
  map: [{ map: {}, unknown: 'drop' }, { map: {} }, { map: { a: 'b' }, unknown: 'default' }, { map: { a: ['b'] } }, { map: { a: 'b' }, ignore_case: 'no' }],
  concat: [{ concat: { separator: 1 } }, { concat: { skip_empty: 'yes' } }],
  split: [{ split: {} }, { split: { separator: '' } }, { split: { separator: ',', index: 0.5 } }, { split: { separator: { pattern: ',' } } }],
  replace: [{ replace: { with: 'x' } }, { replace: { pattern: 'a', flags: 'gx' } }, { replace: { pattern: '' } }],
  truncate: [{ truncate: -1 }, { truncate: 0 }, { truncate: 2.5 }, { truncate: '255' }],
};

/** Items that each schema must accept (beyond the shorthand). */
const RIGHT: Partial<Record<(typeof FIELD_TRANSFORM_NAMES)[number], readonly unknown[]>> = {
  nullif: [{ nullif: ['', 'N/A', '-', 'null', 0] }],
  default: [{ default: 'CN' }, { default: 0 }, { default: false }],
  email: [{ email: { invalid: 'null', lowercase: false } }],
  phone: [{ phone: { default_country: 'CN', invalid: 'keep' } }],
  date: [{ date: { formats: ['dd/MM/yyyy', "yyyy'年'M'月'd'日'"], invalid: 'null' } }],
  datetime: [{ datetime: { formats: ['yyyy/MM/dd HH:mm'], tz: 'Asia/Shanghai' } }],
  decimal: [{ decimal: { decimal_separator: ',', scale: 0, invalid: 'keep' } }],
  boolean: [{ boolean: { true: ['Y', 1, true], false: ['N'], invalid: 'null' } }],
  map: [{ map: { 中国: 'CN', China: 'CN', x: null, '1': 1 }, unknown: 'default', default: 'ZZ', ignore_case: false }, { map: { a: 'b' }, unknown: 'keep' }],
  concat: [{ concat: { separator: ', ', skip_empty: false } }],
  split: [{ split: { separator: ',', index: -1 } }, { split: { separator: { regex: '\\s*/\\s*' } } }],
  replace: [{ replace: { pattern: '[-\\s]', with: '', flags: 'gi' } }],
  truncate: [{ truncate: 255 }],
};

describe('the registry', () => {
  it('holds exactly FIELD_TRANSFORM_NAMES, each under its own name', () => {
    expect([...FIELD_TRANSFORMS.keys()]).toEqual([...FIELD_TRANSFORM_NAMES]);
    for (const [name, transform] of FIELD_TRANSFORMS) {
      expect(transform.name).toBe(name);
      expect(getFieldTransform(name)).toBe(transform);
      expect(transform.summary.length).toBeGreaterThan(10);
    }
    expect(getFieldTransform('trim_all')).toBeUndefined();
    expect(getFieldTransform('toString')).toBeUndefined();
  });
});

describe.each([...FIELD_TRANSFORMS.values()].map((t) => [t.name, t] as const))('%s schema', (name, transform) => {
  it('compiles under ajv strict mode (draft-07 and 2020-12)', () => {
    expect(() => compileAll(transform.schema)).not.toThrow();
  });

  it('requires its own key, allows no other, and describes itself and every option', () => {
    expect(transform.schema).toMatchObject({ type: 'object', required: [name], additionalProperties: false });
    expect(transform.schema.description).toEqual(expect.any(String));
    const properties = transform.schema.properties as Record<string, JsonSchema>;
    for (const [key, option] of Object.entries(properties)) {
      expect(option.description, `${name}.${key}`).toEqual(expect.any(String));
      for (const [inner, sub] of Object.entries((option.properties as Record<string, JsonSchema> | undefined) ?? {})) {
        expect(sub.description, `${name}.${key}.${inner}`).toEqual(expect.any(String));
      }
    }
  });

  it('accepts its shorthand, which compiles', () => {
    if (!transform.shorthand) return;
    for (const validate of compileAll(transform.schema)) expect(validate(transform.shorthand), JSON.stringify(validate.errors)).toBe(true);
    expect(() => transform.compile(transform.shorthand!)).not.toThrow();
  });

  it('accepts well-formed items, which compile', () => {
    for (const item of RIGHT[name as keyof typeof RIGHT] ?? []) {
      for (const validate of compileAll(transform.schema)) expect(validate(item), `${JSON.stringify(item)}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(() => transform.compile(item as Record<string, unknown>)).not.toThrow();
    }
  });

  it('rejects a wrong option', () => {
    const wrong = WRONG[name as keyof typeof WRONG];
    expect(wrong.length).toBeGreaterThan(0);
    for (const item of wrong) {
      for (const validate of compileAll(transform.schema)) expect(validate(item), JSON.stringify(item)).toBe(false);
    }
  });
});

describe('shorthands', () => {
  it('exist exactly for the transforms that need no argument', () => {
    const withShorthand = [...FIELD_TRANSFORMS.values()].filter((t) => t.shorthand).map((t) => t.name);
    expect(withShorthand.sort()).toEqual(
      ['boolean', 'collapse_spaces', 'concat', 'date', 'datetime', 'decimal', 'email', 'integer', 'lower', 'nfkc', 'phone', 'title', 'trim', 'upper'].sort(),
    );
    expect(getFieldTransform('date')!.shorthand).toEqual({ date: { formats: [] } });
    expect(getFieldTransform('email')!.shorthand).toEqual({ email: {} });
  });
});

describe('TransformOptionError', () => {
  it('reads in the p-queue form and carries the pointer', () => {
    const error = optionError('/datetime/tz', 'tz', 'an IANA time zone such as `Asia/Shanghai`', 'Asia/Shangai');
    expect(error).toBeInstanceOf(TransformOptionError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TransformOptionError');
    expect(error.pointer).toBe('/datetime/tz');
    expect(error.message).toBe('Expected `tz` to be an IANA time zone such as `Asia/Shanghai`, got `Asia/Shangai`');
    expect(optionError('/truncate', 'truncate', 'an integer ≥ 1', 0).message).toBe('Expected `truncate` to be an integer ≥ 1, got `0` (number)');
  });

  it('keeps the cause', () => {
    const cause = new SyntaxError('bad');
    expect(optionError('/replace/pattern', 'pattern', 'a regex', '(', undefined, cause).cause).toBe(cause);
  });

  it('escapes pointer tokens and suggests close names', () => {
    expect(pointerToken('a/b~c')).toBe('a~1b~0c');
    expect(closestName('Asia/Shangai', ['Europe/Berlin', 'Asia/Shanghai'])).toBe('Asia/Shanghai');
    expect(closestName('Mars/Olympus', ['Europe/Berlin', 'Asia/Shanghai'])).toBeUndefined();
  });
});

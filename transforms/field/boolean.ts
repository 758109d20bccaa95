/**
 * `boolean`: the many spellings of yes and no in legacy data (`Y`, `是`, `1`, `x`, `off`) → true/false.
 */
import { onInvalid, ON_INVALID, quote, type FieldTransform, type OnInvalid } from './field-transform.js';
import { scalarText } from './scalar-text.js';
import { optionError } from './transform-option-error.js';
import { INVALID_OPTION_SCHEMA, optionsSchema, transformSchema } from './transform-schema.js';
import { trimText } from './whitespace.js';

/** `{ boolean: { true: ['Y'], false: ['N', ''], invalid: 'null' } }`. */
export type BooleanItem = {
  boolean: { readonly true?: readonly (string | number | boolean)[]; readonly false?: readonly (string | number | boolean)[]; readonly invalid?: OnInvalid };
};

/** The spellings of true when the mapping gives none. */
export const DEFAULT_TRUE_VALUES = [1, '1', 'true', 't', 'yes', 'y', '是', 'on', 'x'] as const;
/** The spellings of false when the mapping gives none; the empty string is false. */
export const DEFAULT_FALSE_VALUES = [0, '0', 'false', 'f', 'no', 'n', '否', 'off', ''] as const;

const SPELLINGS_SCHEMA = (which: string, defaults: readonly unknown[]) => ({
  description: `Values that mean ${which}, compared after trimming and ignoring case; numbers compare by their text. Replaces the default list (${defaults.map((v) => JSON.stringify(v)).join(', ')}).`,
  type: 'array',
  items: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
});

/**
 * `boolean`: `boolean` or `{ boolean: { true: [...], false: [...] } }` → `true` or `false`.
 * JavaScript booleans pass through. Null stays null; the empty string is false by default.
 *
 * Invalid reason: `'maybe' is neither true (1, true, t, yes, y, 是, on, x) nor false (0, false, f, no, n, 否, off, '')`.
 *
 * @default true: 1, '1', 'true', 't', 'yes', 'y', '是', 'on', 'x'; false: 0, '0', 'false', 'f', 'no', 'n', '否', 'off', ''
 */
export const boolean: FieldTransform<BooleanItem> = {
  name: 'boolean',
  summary: "Spellings of yes/no (1, y, 是, on, x / 0, n, 否, off, '') → true/false; lists configurable.",
  shorthand: { boolean: {} },
  schema: transformSchema(
    'boolean',
    'Turn the spellings of yes and no into true and false.',
    optionsSchema('Boolean options.', {
      true: SPELLINGS_SCHEMA('true', DEFAULT_TRUE_VALUES),
      false: SPELLINGS_SCHEMA('false', DEFAULT_FALSE_VALUES),
      invalid: INVALID_OPTION_SCHEMA,
    }),
  ),
  compile: (item) => {
    const policy = item.boolean.invalid ?? ON_INVALID[0];
    const trueList = item.boolean.true ?? DEFAULT_TRUE_VALUES;
    const falseList = item.boolean.false ?? DEFAULT_FALSE_VALUES;
    const spellings = new Map<string, boolean>();
    for (const spelling of trueList) spellings.set(normalise(String(spelling)), true);
    for (const [index, spelling] of falseList.entries()) {
      if (spellings.get(normalise(String(spelling))) === true) {
        const where = item.boolean.false ? `/boolean/false/${index}` : '/boolean/true';
        throw optionError(where, 'false', 'a list that shares no value with `true`', spelling, 'it is in both lists');
      }
      spellings.set(normalise(String(spelling)), false);
    }
    const known = `true (${[...new Set(trueList.map(show))].join(', ')}) nor false (${[...new Set(falseList.map(show))].join(', ')})`;
    return (value) => {
      if (value === null || value === undefined) return null;
      if (typeof value === 'boolean') return value;
      const text = scalarText(value);
      const result = text === undefined ? undefined : spellings.get(normalise(text));
      return result ?? onInvalid(policy, value, `${quote(value)} is neither ${known}`);
    };
  },
};

function normalise(text: string): string {
  return trimText(text).toLowerCase();
}

function show(spelling: string | number | boolean): string {
  return spelling === '' ? "''" : String(spelling);
}

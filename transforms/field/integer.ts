/**
 * `integer`: counts and codes written as text (`1,200`, `1 200`, `12.00`) → JavaScript numbers.
 */
import { onInvalid, ON_INVALID, quote, type FieldTransform, type OnInvalid } from './field-transform.js';
import { DECIMAL_SEPARATOR_SCHEMA } from './decimal.js';
import { NumberProblem, readDecimal, type DecimalSeparator } from './decimal-text.js';
import { INVALID_OPTION_SCHEMA, optionsSchema, transformSchema } from './transform-schema.js';

/** `{ integer: { invalid: 'null' } }`. */
export type IntegerItem = { integer: { readonly decimal_separator?: DecimalSeparator; readonly invalid?: OnInvalid } };

const NON_ZERO = /[1-9]/;
const SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER).length;

/**
 * `integer`: `integer` or `{ integer: { invalid: 'null' } }` → a JavaScript number that is a safe
 * integer. Reads everything `decimal` reads; decimals must be zero (`12.00` → 12).
 * Empty text → null; `-0` → 0.
 *
 * Invalid reasons: `'12.5' is not a whole number`; `'12345678901234567890' is outside the safe
 * integer range (±9007199254740991); use decimal for it`; `'50-100' is not a whole number: …`.
 *
 * @default decimal_separator `auto`
 */
export const integer: FieldTransform<IntegerItem> = {
  name: 'integer',
  summary: 'Parse a whole number (1,200, 1 200, 12.00) → a JavaScript number; must be a safe integer.',
  shorthand: { integer: {} },
  schema: transformSchema(
    'integer',
    'Parse a whole number (`1,200`, `1 200`, `12.00`, full-width digits) and write it as a number; values with non-zero decimals or beyond ±9007199254740991 are invalid.',
    optionsSchema('Integer options.', { decimal_separator: DECIMAL_SEPARATOR_SCHEMA, invalid: INVALID_OPTION_SCHEMA }),
  ),
  compile: (item) => {
    const policy = item.integer.invalid ?? ON_INVALID[0];
    const separator = item.integer.decimal_separator ?? 'auto';
    const outOfRange = (value: unknown) => onInvalid(policy, value, `${quote(value)} is outside the safe integer range (±${Number.MAX_SAFE_INTEGER}); use decimal for it`);
    return (value) => {
      if (value === null || value === undefined) return null;
      if (typeof value === 'number') {
        if (Number.isSafeInteger(value)) return value === 0 ? 0 : value;
        if (Number.isInteger(value)) return outOfRange(value);
      }
      const digits = readDecimal(value, separator);
      if (digits === null) return null;
      if (digits instanceof NumberProblem) return onInvalid(policy, value, `${quote(value)} is not a whole number: ${digits.detail}`);
      if (NON_ZERO.test(digits.fraction)) return onInvalid(policy, value, `${quote(value)} is not a whole number`);
      if (digits.whole.length > SAFE_DIGITS) return outOfRange(value);
      const magnitude = Number(digits.whole);
      if (magnitude > Number.MAX_SAFE_INTEGER) return outOfRange(value);
      return digits.negative && magnitude !== 0 ? -magnitude : magnitude;
    };
  },
};

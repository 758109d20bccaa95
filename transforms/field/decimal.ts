/**
 * `decimal`: amounts and other decimal numbers → exact decimal text (`'1234567.00'`), the form a
 * PostgreSQL `numeric` column takes without loss.
 */
import { onInvalid, ON_INVALID, quote, type FieldTransform, type OnInvalid } from './field-transform.js';
import { DECIMAL_SEPARATORS, formatDecimal, NumberProblem, readDecimal, type DecimalSeparator } from './decimal-text.js';
import { INVALID_OPTION_SCHEMA, optionsSchema, transformSchema } from './transform-schema.js';

/** `{ decimal: { decimal_separator: ',', scale: 2, invalid: 'null' } }`. */
export type DecimalItem = { decimal: { readonly decimal_separator?: DecimalSeparator; readonly scale?: number; readonly invalid?: OnInvalid } };

/** The `decimal_separator` option, shared with `integer`. */
export const DECIMAL_SEPARATOR_SCHEMA = {
  description:
    "The decimal separator: `.`, `,`, or `auto` (the default): when both appear the last is decimal; a separator that repeats groups thousands; a lone `.` is decimal (1.234 = 1.234) and a lone `,` before exactly 3 digits groups thousands (1,234 = 1234). Set `,` for comma-decimal data.",
  enum: DECIMAL_SEPARATORS,
  default: 'auto',
} as const;

/**
 * `decimal`: `decimal` or `{ decimal: { scale: 2 } }` → text matching `^-?\d+(\.\d+)?$`:
 * `¥1,234,567.00` → `'1234567.00'`, `(1,234)` with scale 2 → `'-1234.00'`, `0.1` → `'0.1'`
 * (`'0.10'` with scale 2). Rounding is half-up on the digits, never through floating point.
 * Empty text → null. See {@link readDecimal} for what is accepted.
 *
 * Invalid reasons: `'12abc' is not a number: 'abc' is not a currency`;
 * `'1.2.3,4' is not a number: '.' separates thousands here, so it must be followed by groups of exactly 3 digits`.
 *
 * @default decimal_separator `auto`; scale absent (decimals kept as written)
 */
export const decimal: FieldTransform<DecimalItem> = {
  name: 'decimal',
  summary: 'Parse a decimal or currency amount (¥1,234.50, 12.500,00 €, (1,234)) → exact decimal text (1234.50); optional half-up scale.',
  shorthand: { decimal: {} },
  schema: transformSchema(
    'decimal',
    'Parse a number or currency amount (`¥1,234,567.00`, `12.500,00 €`, `(1,234.00)`, full-width digits) and write it as exact decimal text (`1234567.00`).',
    optionsSchema('Decimal options.', {
      decimal_separator: DECIMAL_SEPARATOR_SCHEMA,
      scale: {
        description: 'Number of decimals to write, rounding half-up (away from zero). Absent: keep the decimals as written.',
        type: 'integer',
        minimum: 0,
        maximum: 100,
      },
      invalid: INVALID_OPTION_SCHEMA,
    }),
  ),
  compile: (item) => {
    const policy = item.decimal.invalid ?? ON_INVALID[0];
    const separator = item.decimal.decimal_separator ?? 'auto';
    const scale = item.decimal.scale;
    return (value) => {
      if (value === null || value === undefined) return null;
      const digits = readDecimal(value, separator);
      if (digits === null) return null;
      if (digits instanceof NumberProblem) return onInvalid(policy, value, `${quote(value)} is not a number: ${digits.detail}`);
      return formatDecimal(digits, scale);
    };
  },
};

/**
 * `default`: fills an empty value. Typically the last transform of a field, after the ones that
 * may produce null (`nullif`, `map` with `unknown: null`).
 */
import type { FieldTransform } from './field-transform.js';
import { SCALAR_SCHEMA, transformSchema } from './transform-schema.js';

/** `{ default: 'unknown' }`. */
export type DefaultItem = { default: string | number | boolean };

/**
 * `default`: null, undefined, the empty string and whitespace-only text become the given value;
 * anything else passes through unchanged.
 *
 * @example
 * { default: 'CN' }   # null, '' and '  ' → 'CN'
 */
export const defaultValue: FieldTransform<DefaultItem> = {
  name: 'default',
  summary: "Replace null, '' and whitespace-only text by a value ({ default: 'CN' }).",
  schema: transformSchema('default', 'Replace null, the empty string and whitespace-only text by a fixed value.', {
    description: 'The value written when the input is empty.',
    anyOf: SCALAR_SCHEMA,
  }),
  compile: (item) => {
    const fallback = item.default;
    return (value) => {
      if (value === null || value === undefined) return fallback;
      if (typeof value === 'string' && (value === '' || value.trim() === '')) return fallback;
      return value;
    };
  },
};

/**
 * `nullif`: the placeholders that mean "no value" in legacy data (`N/A`, `-`, `无`, `null`)
 * become null. Put it before validating transforms (`email`, `decimal`), which would reject them.
 */
import type { FieldTransform } from './field-transform.js';
import { scalarText } from './scalar-text.js';
import { transformSchema } from './transform-schema.js';
import { trimText } from './whitespace.js';

/** `{ nullif: ['', 'N/A', '-', 'null'] }`. */
export type NullifItem = { nullif: readonly (string | number)[] };

/**
 * `nullif`: a value equal to one of the listed values, after trimming and ignoring case, becomes
 * null; numbers compare by their text, so `nullif: [0]` also matches `'0'`. Other values pass through.
 */
export const nullif: FieldTransform<NullifItem> = {
  name: 'nullif',
  summary: "Values equal to a listed placeholder (trimmed, any case) become null ({ nullif: ['', 'N/A', '-'] }).",
  schema: transformSchema('nullif', 'Turn placeholder values into null.', {
    description: 'Values that mean "no value"; compared after trimming and ignoring case; numbers compare by their text.',
    type: 'array',
    minItems: 1,
    items: { anyOf: [{ type: 'string' }, { type: 'number' }] },
  }),
  compile: (item) => {
    const placeholders = new Set(item.nullif.map((entry) => trimText(String(entry)).toLowerCase()));
    return (value) => {
      const text = scalarText(value);
      if (text === undefined) return value ?? null;
      return placeholders.has(trimText(text).toLowerCase()) ? null : value;
    };
  },
};

/**
 * `concat`: joins the columns of a field with several `from` columns
 * (`address: { from: [province, city, street], transforms: [concat] }`).
 */
import type { FieldTransform } from './field-transform.js';
import { optionsSchema, transformSchema } from './transform-schema.js';
import { trimText } from './whitespace.js';

/** `{ concat: { separator: ', ', skip_empty: false } }`. */
export type ConcatItem = { concat: { readonly separator?: string; readonly skip_empty?: boolean } };

/**
 * `concat`: the array of a multi-column field → its parts, trimmed, joined by `separator`.
 * Null and empty parts are skipped (`skip_empty: true`, the default) or kept as empty strings so
 * that positions stay visible (`a,,c`). Null when every part is empty. A value that is not an
 * array (a single `from` column) passes through unchanged; dates are written in ISO form.
 *
 * @default separator `' '`, skip_empty `true`
 */
export const concat: FieldTransform<ConcatItem> = {
  name: 'concat',
  summary: "Join the columns of a multi-column field, trimmed, skipping empty parts ({ concat: { separator: ', ' } }).",
  shorthand: { concat: {} },
  schema: transformSchema(
    'concat',
    'Join the values of a field with several `from` columns into one text.',
    optionsSchema('Concat options.', {
      separator: { description: 'Text between parts (default one space).', type: 'string', default: ' ' },
      skip_empty: { description: 'Leave out null and empty parts (default true); false keeps them as empty strings.', type: 'boolean', default: true },
    }),
  ),
  compile: (item) => {
    const separator = item.concat.separator ?? ' ';
    const skipEmpty = item.concat.skip_empty ?? true;
    return (value) => {
      if (!Array.isArray(value)) return value ?? null;
      const parts: string[] = [];
      let anyText = false;
      for (const part of value as readonly unknown[]) {
        const text = part === null || part === undefined ? '' : trimText(part instanceof Date ? part.toISOString() : String(part));
        if (text !== '') anyText = true;
        else if (skipEmpty) continue;
        parts.push(text);
      }
      return anyText ? parts.join(separator) : null;
    };
  },
};

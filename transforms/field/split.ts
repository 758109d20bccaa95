/**
 * `split`: one part of a delimited value (`'Zhang, Wei'` → `Zhang`; the city of `'Shanghai / Pudong'`).
 */
import type { FieldTransform } from './field-transform.js';
import { scalarText } from './scalar-text.js';
import { optionError } from './transform-option-error.js';
import { optionsSchema, transformSchema } from './transform-schema.js';
import { trimText } from './whitespace.js';

/** `{ split: { separator: ',', index: -1 } }` or `{ split: { separator: { regex: '\\s*[/,]\\s*' } } }`. */
export type SplitItem = { split: { readonly separator: string | { readonly regex: string }; readonly index?: number } };

/**
 * `split`: splits text at `separator` (a string, or `{ regex }` for a JavaScript regular
 * expression) and returns the trimmed part at `index` (0 is the first; -1 the last). Null when the
 * part does not exist or is empty. Numbers are split in their text form; other values pass through.
 *
 * @default index `0`
 */
export const split: FieldTransform<SplitItem> = {
  name: 'split',
  summary: "One trimmed part of a delimited value ({ split: { separator: ',', index: -1 } }); separator may be { regex }.",
  schema: transformSchema(
    'split',
    'Split text at a separator and keep one trimmed part; null when the part is missing or empty.',
    optionsSchema(
      'Split options.',
      {
        separator: {
          description: 'Where to split: a string, or `{ regex: <JavaScript regular expression> }`.',
          anyOf: [
            { type: 'string', minLength: 1 },
            {
              type: 'object',
              required: ['regex'],
              additionalProperties: false,
              properties: { regex: { description: 'A JavaScript regular expression without capturing groups (use `(?:…)`).', type: 'string', minLength: 1 } },
            },
          ],
        },
        index: { description: 'Which part: 0 is the first, 1 the second, -1 the last (default 0).', type: 'integer', default: 0 },
      },
      ['separator'],
    ),
  ),
  compile: (item) => {
    const { separator, index = 0 } = item.split;
    const at: string | RegExp = typeof separator === 'string' ? separator : compileSeparator(separator.regex);
    return (value) => {
      if (value === null || value === undefined) return null;
      const text = typeof value === 'boolean' ? undefined : scalarText(value);
      if (text === undefined) return value;
      const parts = text.split(at);
      const part = parts[index < 0 ? parts.length + index : index];
      if (part === undefined) return null;
      const trimmed = trimText(part);
      return trimmed === '' ? null : trimmed;
    };
  },
};

function compileSeparator(source: string): RegExp {
  let regex: RegExp;
  try {
    regex = new RegExp(source, 'u');
  } catch (error) {
    throw optionError('/split/separator/regex', 'separator.regex', 'a JavaScript regular expression', source, (error as Error).message, error);
  }
  // A capturing group's text would appear among the parts and shift every index.
  const groups = new RegExp(`${source}|`, 'u').exec('')!.length - 1;
  if (groups > 0) {
    throw optionError('/split/separator/regex', 'separator.regex', 'a regular expression without capturing groups', source, 'write `(?:…)` for grouping');
  }
  if (regex.test('')) {
    throw optionError('/split/separator/regex', 'separator.regex', 'a regular expression that matches at least one character', source, 'it matches the empty string, which would split between every character');
  }
  return regex;
}

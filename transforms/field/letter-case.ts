/**
 * `lower`, `upper` and `title`. Case mapping is locale-independent (no Turkish dotless i), so a
 * run gives the same result on every machine. Scripts without case (Chinese, Japanese) are left as
 * they are. Values that are not text pass through unchanged.
 */
import type { FieldTransform } from './field-transform.js';
import { noOptionsSchema, transformSchema } from './transform-schema.js';

/** Option-less item of `lower`. */
export type LowerItem = { lower: Record<string, never> };
/** Option-less item of `upper`. */
export type UpperItem = { upper: Record<string, never> };
/** Option-less item of `title`. */
export type TitleItem = { title: Record<string, never> };

/** `lower`: lower-cases text. */
export const lower: FieldTransform<LowerItem> = {
  name: 'lower',
  summary: 'Lower-case text.',
  shorthand: { lower: {} },
  schema: transformSchema('lower', 'Lower-case text (locale-independent).', noOptionsSchema('Lower-case text.')),
  compile: () => (value) => (typeof value === 'string' ? value.toLowerCase() : value ?? null),
};

/** `upper`: upper-cases text (`ß` becomes `SS`). */
export const upper: FieldTransform<UpperItem> = {
  name: 'upper',
  summary: 'Upper-case text.',
  shorthand: { upper: {} },
  schema: transformSchema('upper', 'Upper-case text (locale-independent).', noOptionsSchema('Upper-case text.')),
  compile: () => (value) => (typeof value === 'string' ? value.toUpperCase() : value ?? null),
};

// A word starts at a letter that follows neither a letter, a combining mark, a digit nor an
// apostrophe: `mcdonald's` keeps its `s` small, `jean-luc` becomes `Jean-Luc`, `3m` stays `3m`.
const WORD_START = /(^|[^\p{L}\p{M}\p{N}'’])(\p{L})/gu;

/**
 * `title`: capitalises the first letter of every word and lower-cases the rest
 * (`mcdonald's trading co.` → `Mcdonald's Trading Co.`, `ACME (上海) ltd` → `Acme (上海) Ltd`).
 * Name particles get no special treatment (`o'brien` → `O'brien`, `McDonald` → `Mcdonald`):
 * use `map` for the names that matter.
 */
export const title: FieldTransform<TitleItem> = {
  name: 'title',
  summary: "Capitalise each word and lower-case the rest (mcdonald's trading co. → Mcdonald's Trading Co.); CJK is left alone.",
  shorthand: { title: {} },
  schema: transformSchema(
    'title',
    'Capitalise the first letter of every word and lower-case the rest; text without case (CJK) is left alone.',
    noOptionsSchema('Title-case text.'),
  ),
  compile: () => (value) => {
    if (typeof value !== 'string') return value ?? null;
    return value.toLowerCase().replace(WORD_START, capitalise);
  },
};

function capitalise(_match: string, before: string, letter: string): string {
  return before + letter.toUpperCase();
}

/**
 * `trim` and `collapse_spaces`: the whitespace that legacy data is full of, including the
 * ideographic space (U+3000) typed by Chinese input methods, NBSP from web forms, and the zero-width
 * space and BOM that copy-paste and Excel leave at the edges of a cell.
 */
import type { FieldTransform } from './field-transform.js';
import { noOptionsSchema, transformSchema } from './transform-schema.js';

// String.prototype.trim() already strips every Unicode space separator, tabs, line terminators,
// NBSP, U+3000 and the BOM (U+FEFF). These invisible characters are not whitespace in JavaScript's
// sense, but at the edge of a value they are never meant.
const INVISIBLE_AT_EDGES = /^[\s\u200B\u2060\u180E]+|[\s\u200B\u2060\u180E]+$/g;
// Inside a value a zero-width space is left alone: turning it into a space would split a word.
const WHITESPACE_RUN = /\s+/g;
// Whitespace other than an ASCII space, or two whitespace characters in a row.
const NEEDS_COLLAPSE = /[^\S ]|\s\s/;

function isInvisible(code: number): boolean {
  return code === 0x200b || code === 0x2060 || code === 0x180e;
}

/**
 * Strips leading and trailing whitespace, including U+3000, NBSP, the BOM, and the zero-width
 * space (U+200B), word joiner (U+2060) and Mongolian vowel separator (U+180E).
 */
export function trimText(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) return trimmed;
  if (isInvisible(trimmed.charCodeAt(0)) || isInvisible(trimmed.charCodeAt(trimmed.length - 1))) {
    return trimmed.replace(INVISIBLE_AT_EDGES, '');
  }
  return trimmed;
}

/** Option-less item of `trim`. */
export type TrimItem = { trim: Record<string, never> };
/** Option-less item of `collapse_spaces`. */
export type CollapseSpacesItem = { collapse_spaces: Record<string, never> };

/**
 * `trim`: strips leading and trailing whitespace (see {@link trimText}). Values that are not text
 * (numbers, booleans, dates) pass through unchanged; null stays null.
 */
export const trim: FieldTransform<TrimItem> = {
  name: 'trim',
  summary: 'Strip leading/trailing whitespace, including U+3000, NBSP, zero-width space and BOM.',
  shorthand: { trim: {} },
  schema: transformSchema(
    'trim',
    'Strip leading and trailing whitespace, including the ideographic space U+3000, NBSP, the zero-width space and the BOM.',
    noOptionsSchema('Strip leading and trailing whitespace.'),
  ),
  compile: () => (value) => (typeof value === 'string' ? trimText(value) : value ?? null),
};

/**
 * `collapse_spaces`: every run of whitespace (spaces, tabs, newlines, U+3000, NBSP…) becomes one
 * ASCII space. It does not trim: put `trim` before it.
 */
export const collapseSpaces: FieldTransform<CollapseSpacesItem> = {
  name: 'collapse_spaces',
  summary: 'Turn every run of whitespace (tabs, newlines, U+3000, NBSP…) into one ASCII space.',
  shorthand: { collapse_spaces: {} },
  schema: transformSchema(
    'collapse_spaces',
    'Turn every run of whitespace (spaces, tabs, newlines, U+3000, NBSP) into one ASCII space. Does not trim: put `trim` before it.',
    noOptionsSchema('Collapse runs of whitespace.'),
  ),
  compile: () => (value) => {
    if (typeof value !== 'string') return value ?? null;
    // Most values have no whitespace but single ASCII spaces; a test is cheaper than a replace.
    if (!NEEDS_COLLAPSE.test(value)) return value;
    return value.replace(WHITESPACE_RUN, ' ');
  },
};

/**
 * `replace`: a regular-expression substitution, compiled once per mapping. Numbers are replaced in
 * their text form (the result is text); booleans, dates and null pass through unchanged.
 */
import type { FieldTransform } from './field-transform.js';
import { optionError } from './transform-option-error.js';
import { optionsSchema, transformSchema } from './transform-schema.js';

/** `{ replace: { pattern: '[-\s]', with: '', flags: 'g' } }`. */
export type ReplaceItem = { replace: { readonly pattern: string; readonly with?: string; readonly flags?: string } };

/**
 * `replace`: `{ replace: { pattern: '\\s*\\(.*\\)$', with: '' } }` removes a trailing remark in
 * brackets. `with` may use `$1`, `$<name>` and `$&` as in JavaScript's `String.prototype.replace`.
 *
 * @default with `''`, flags `'g'` (every match)
 */
export const replace: FieldTransform<ReplaceItem> = {
  name: 'replace',
  summary: "Regular-expression substitution ({ replace: { pattern: '[-\\s]', with: '' } }); flags default to g.",
  schema: transformSchema(
    'replace',
    'Replace the matches of a JavaScript regular expression.',
    optionsSchema(
      'The pattern, its replacement and flags.',
      {
        pattern: { description: 'A JavaScript regular expression (without slashes).', type: 'string', minLength: 1 },
        with: { description: 'The replacement; `$1`, `$<name>` and `$&` refer to the match. Default: the empty string.', type: 'string', default: '' },
        flags: { description: 'Regular-expression flags, e.g. `gi`. Default `g`: replace every match.', type: 'string', pattern: '^[gimsuy]*$', default: 'g' },
      },
      ['pattern'],
    ),
  ),
  compile: (item) => {
    const { pattern, with: replacement = '', flags = 'g' } = item.replace;
    let regex: RegExp;
    try {
      regex = new RegExp(pattern, flags);
    } catch (error) {
      const flagProblem = /flag/i.test((error as Error).message);
      throw flagProblem
        ? optionError('/replace/flags', 'flags', 'distinct regular-expression flags among g, i, m, s, u, y', flags, undefined, error)
        : optionError('/replace/pattern', 'pattern', 'a JavaScript regular expression', pattern, (error as Error).message, error);
    }
    checkGroupReferences(regex, replacement);
    return (value) => {
      if (value === null || value === undefined) return null;
      const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'bigint' ? String(value) : undefined;
      if (text === undefined) return value;
      // A sticky (y) or global regex carries lastIndex from call to call; every value starts afresh.
      regex.lastIndex = 0;
      return text.replace(regex, replacement);
    };
  },
};

/**
 * A `$3` that the pattern cannot fill is written literally by JavaScript, and `$<name>` of a
 * missing group silently becomes empty: both are mapping bugs, caught here rather than in the data.
 */
function checkGroupReferences(regex: RegExp, replacement: string): void {
  // Matching the empty alternative reports the pattern's group count and names without running it.
  const probe = new RegExp(`${regex.source}|`, regex.flags.replace(/[gy]/g, '')).exec('')!;
  const groups = probe.length - 1;
  const names = Object.keys(probe.groups ?? {});
  for (const [token, digits, name] of replacement.matchAll(/\$\$|\$(\d{1,2})|\$<([^>]*)>/g)) {
    if (digits !== undefined) {
      // JavaScript reads `$12` as group 12 when it exists, else as group 1 followed by `2`.
      const used = digits.length === 2 && Number(digits) >= 1 && Number(digits) <= groups ? Number(digits) : Number(digits[0]);
      if (used === 0) {
        throw optionError('/replace/with', 'with', 'a replacement in JavaScript syntax', replacement, '`$0` is not the whole match in JavaScript: use `$&`');
      }
      if (used > groups) {
        throw optionError('/replace/with', 'with', `a replacement that refers only to the pattern's ${groups} group(s)`, replacement, `\`${token}\` has no group`);
      }
    } else if (name !== undefined && names.length > 0 && !names.includes(name)) {
      throw optionError('/replace/with', 'with', `a replacement that refers only to the pattern's named groups (${names.join(', ')})`, replacement, `\`${token}\` has no group`);
    }
  }
}

/**
 * `truncate`: cuts text to at most N Unicode code points, the unit in which PostgreSQL counts
 * `varchar(N)`. A surrogate pair (an emoji, a rare CJK ideograph) is never split in half.
 */
import type { FieldTransform } from './field-transform.js';
import { transformSchema } from './transform-schema.js';

/** `{ truncate: 255 }`. */
export type TruncateItem = { truncate: number };

/** `truncate`: `{ truncate: 255 }` keeps the first 255 code points of text; other values pass through. */
export const truncate: FieldTransform<TruncateItem> = {
  name: 'truncate',
  summary: 'Cut text to at most N Unicode code points ({ truncate: 255 }); never splits a surrogate pair.',
  schema: transformSchema('truncate', 'Cut text to at most N Unicode code points, never splitting a surrogate pair.', {
    description: 'The maximum length in Unicode code points (as PostgreSQL counts varchar(N)).',
    type: 'integer',
    minimum: 1,
  }),
  compile: (item) => {
    const max = item.truncate;
    return (value) => {
      // A string's UTF-16 length is at least its code-point count, so short text needs no walk.
      if (typeof value !== 'string' || value.length <= max) return value ?? null;
      let units = 0;
      for (let points = 0; points < max && units < value.length; points++) {
        const code = value.charCodeAt(units);
        const low = value.charCodeAt(units + 1);
        units += code >= 0xd800 && code <= 0xdbff && low >= 0xdc00 && low <= 0xdfff ? 2 : 1;
      }
      return value.slice(0, units);
    };
  },
};

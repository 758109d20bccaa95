/**
 * `map`: translates codes and spellings through a table written in the mapping
 * (`{ map: { 中国: CN, China: CN, PRC: CN }, unknown: reject }`).
 */
import { InvalidValue, quote, type FieldTransform, type JsonSchema } from './field-transform.js';
import { scalarText } from './scalar-text.js';
import { optionError, pointerToken } from './transform-option-error.js';
import { transformSchema } from './transform-schema.js';
import { trimText } from './whitespace.js';

/** What a value missing from the map does. */
export const ON_UNKNOWN = ['reject', 'null', 'keep', 'default'] as const;
export type OnUnknown = (typeof ON_UNKNOWN)[number];

type MapTarget = string | number | boolean | null;

/** `{ map: { A: active, I: inactive }, unknown: default, default: lead, ignore_case: false }`. */
export type MapItem = {
  map: Readonly<Record<string, MapTarget>>;
  unknown?: OnUnknown;
  default?: MapTarget;
  ignore_case?: boolean;
};

const KNOWN_SHOWN = 10;
const TARGET_SCHEMA: JsonSchema = { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'null' }] };

/**
 * `map`: looks the value up, after trimming and (by default) ignoring case; numbers and booleans
 * are looked up by their text, so `{ map: { '1': new } }` matches the number 1. A value missing from
 * the map is rejected (the default), becomes null, is kept unchanged, or becomes `default`.
 *
 * Invalid reason: `'Z9' is not in the map (known: A, I, P, L)`, listing at most 10 keys.
 *
 * @default unknown `reject`, ignore_case `true`
 */
export const valueMap: FieldTransform<MapItem> = {
  name: 'map',
  summary: 'Translate values through a table ({ map: { 中国: CN, China: CN }, unknown: reject|null|keep|default }).',
  schema: transformSchema(
    'map',
    'Translate values through a table. Keys are compared after trimming and, by default, ignoring case; numbers are looked up by their text.',
    {
      description: 'Legacy value → new value. Values may be text, numbers, true/false or null.',
      type: 'object',
      minProperties: 1,
      additionalProperties: TARGET_SCHEMA,
    },
    {
      unknown: {
        description: 'What a value missing from the map does: `reject` the row (the default), write `null`, `keep` the value unchanged, or write `default`.',
        enum: ON_UNKNOWN,
        default: 'reject',
      },
      default: { description: 'The value written for values missing from the map; requires `unknown: default`.', ...TARGET_SCHEMA },
      ignore_case: { description: 'Compare keys ignoring case (default true).', type: 'boolean', default: true },
    },
    {
      if: { properties: { unknown: { const: 'default' } }, required: ['unknown'] },
      // `properties` repeats the key so that ajv's strictRequired sees it defined where it is required.
      then: { properties: { default: true }, required: ['default'] },
    },
  ),
  compile: (item) => {
    const ignoreCase = item.ignore_case ?? true;
    const unknown = item.unknown ?? ON_UNKNOWN[0];
    const normalise = ignoreCase ? (text: string) => trimText(text).toLowerCase() : trimText;
    const table = new Map<string, MapTarget>();
    const firstKey = new Map<string, string>();
    for (const [key, target] of Object.entries(item.map)) {
      const normal = normalise(key);
      const earlier = firstKey.get(normal);
      if (earlier !== undefined && table.get(normal) !== target) {
        throw optionError(
          `/map/${pointerToken(key)}`,
          'map',
          `a table whose keys differ after trimming${ignoreCase ? ' and ignoring case' : ''}`,
          key,
          `it clashes with \`${earlier}\`, which maps to \`${String(table.get(normal))}\`, not \`${String(target)}\``,
        );
      }
      table.set(normal, target);
      firstKey.set(normal, key);
    }
    if (unknown === 'default' && !('default' in item)) {
      throw optionError('/unknown', 'unknown', 'paired with a `default` value when it is `default`', unknown, 'add `default: <value>` or choose reject, null or keep');
    }
    if (unknown !== 'default' && 'default' in item) {
      throw optionError('/default', 'default', 'used only with `unknown: default`', item.default, `\`unknown\` is \`${unknown}\`, so \`default\` would never be written`);
    }
    const fallback = item.default ?? null;
    const keys = [...firstKey.values()];
    const known = `known: ${keys.slice(0, KNOWN_SHOWN).join(', ')}${keys.length > KNOWN_SHOWN ? ` and ${keys.length - KNOWN_SHOWN} more` : ''}`;

    return (value) => {
      if (value === null || value === undefined) return null;
      const text = scalarText(value);
      if (text !== undefined) {
        // Targets are never undefined (YAML and JSON have no undefined), so one lookup tells both.
        const target = table.get(normalise(text));
        if (target !== undefined) return target;
      }
      switch (unknown) {
        case 'reject':
          return new InvalidValue(`${quote(value)} is not in the map (${known})`);
        case 'null':
          return null;
        case 'keep':
          return value;
        case 'default':
          return fallback;
      }
    };
  },
};

/**
 * Text as PostgreSQL can store it. `text` refuses U+0000 (`invalid byte sequence for encoding
 * "UTF8": 0x00`), `jsonb` refuses the `\u0000` escape and lone surrogate escapes, and the driver
 * turns a lone surrogate into U+FFFD on the way (so a key holding one would not match itself
 * later). What the state stores about a rejected row (its reason, origin, ref and payload) goes
 * through here, so that the reject itself can always be written.
 */

/** A NUL character, or a UTF-16 surrogate that is not half of a pair (`u` matches pairs as one code point). */
const UNSTORABLE = /\u0000|[\uD800-\uDFFF]/u;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'gu');

/** True when `text` would be refused or altered by PostgreSQL text. */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/**
 * `text` with a NUL shown as the six characters `\u0000` and a lone surrogate replaced by U+FFFD:
 * visible in the stored reject, and accepted by `text` and `jsonb` alike.
 */
export function storableText(text: string): string {
  return isStorableText(text) ? text : text.replace(UNSTORABLE_ALL, (found) => (found === '\u0000' ? '\\u0000' : '\uFFFD'));
}

/**
 * What an unstorable string holds, for messages: `a NUL character (U+0000)` or `a lone surrogate
 * (U+DC80, a byte the file's encoding does not allow)`; null when it is storable.
 */
export function unstorableDetail(text: string): string | null {
  const found = UNSTORABLE.exec(text)?.[0];
  if (found === undefined) return null;
  if (found === '\u0000') return 'a NUL character (U+0000)';
  const code = found.charCodeAt(0);
  const hex = code.toString(16).toUpperCase();
  return code >= 0xdc80 && code <= 0xdcff
    ? `the byte 0x${(code - 0xdc00).toString(16).toUpperCase()}, which is not valid in the file's encoding`
    : `a lone surrogate (U+${hex}), which is not valid Unicode text`;
}

/**
 * JSON text of `value` that `jsonb` accepts: strings (values and property names) made storable,
 * bigints as text.
 */
export function storableJson(value: unknown): string {
  return JSON.stringify(storableValue(value ?? null));
}

function storableValue(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date || ArrayBuffer.isView(value)) return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return storableValue((value as { toJSON(): unknown }).toJSON());
  if (Array.isArray(value)) return value.map(storableValue);
  const copy: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    Object.defineProperty(copy, storableText(name), { value: storableValue(field), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

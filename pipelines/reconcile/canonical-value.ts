/**
 * Canonical text of a value as the target column stores it, computed two ways that must agree:
 * here in JavaScript from a re-mapped source row, and by the target database from the stored row
 * (each target's content probe: connectors/sql/pg-canonical.ts for PostgreSQL and PGlite). Both
 * sides then hash the same text, so a key range can be checked with one aggregate query and no row
 * transferred. The forms let the two databases' types meet fairly: decimals without trailing zeros,
 * timestamps as instants (milliseconds), empty text as NULL, jsonb's own key order.
 */
import { createHash } from 'node:crypto';
import { NULL_MARK } from '../../connectors/sql/canonical-form.js';
import type { ColumnKind } from '../../connectors/sink.js';
import { canonicalNumber, jsonbText } from '../../connectors/canonical-text.js';

export { jsonbText };

export { NULL_MARK };

/** A mapped value in the canonical form of its column kind; null for NULL and empty text. */
export function canonicalValue(value: unknown, kind: ColumnKind): string | null {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'number':
      return canonicalNumber(value);
    case 'instant': {
      const time = value instanceof Date ? value.getTime() : Date.parse(String(value));
      return Number.isNaN(time) ? `?${String(value)}` : String(time);
    }
    case 'date': {
      if (value instanceof Date) return value.toISOString().slice(0, 10);
      const text = String(value);
      return /^\d{4}-\d{2}-\d{2}/.test(text) ? text.slice(0, 10) : `?${text}`;
    }
    case 'boolean':
      return value === true || value === 't' || value === 'true' ? 'T' : value === false || value === 'f' || value === 'false' ? 'F' : `?${String(value)}`;
    case 'json':
      return jsonbText(typeof value === 'string' ? parseJsonOr(value) : value);
    case 'uuid':
      return String(value).toLowerCase();
    case 'padded': {
      const text = String(value).replace(/ +$/, '');
      return text === '' ? null : text;
    }
    case 'text': {
      const text = typeof value === 'string' ? value : value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
      return text === '' ? null : text;
    }
  }
}

/**
 * The text a row hashes as: each column's canonical value prefixed by its UTF-8 length, so that
 * no two different rows run together into the same text.
 */
export function rowText(values: readonly (string | null)[]): string {
  let text = '';
  for (const value of values) text += value === null ? `${NULL_MARK};` : `${Buffer.byteLength(value)}:${value};`;
  return text;
}

/** 60 bits of the row text's MD5, as PostgreSQL computes them with `('x' || substr(md5(t), 1, 15))::bit(60)::bigint`. */
export function rowDigest(text: string): bigint {
  return BigInt(`0x${createHash('md5').update(text, 'utf8').digest('hex').slice(0, 15)}`);
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}


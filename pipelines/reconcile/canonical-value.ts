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

function canonicalNumber(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `?${value}`;
    // Plain digits, never exponent notation, as PostgreSQL's numeric prints them.
    return trimDecimal(Number.isInteger(value) ? BigInt(value).toString() : value.toFixed(Math.min(20, Math.max(0, 15 - Math.floor(Math.log10(Math.abs(value)))))));
  }
  const text = String(value).trim();
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text) ? trimDecimal(text) : `?${text}`;
}

function trimDecimal(text: string): string {
  const negative = text.startsWith('-');
  let [whole = '', fraction = ''] = text.replace(/^[+-]/, '').split('.');
  whole = whole.replace(/^0+(?=\d)/, '') || '0';
  fraction = fraction.replace(/0+$/, '');
  const body = fraction ? `${whole}.${fraction}` : whole;
  return negative && body !== '0' ? `-${body}` : body;
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** JSON as PostgreSQL's jsonb prints it: keys ordered by length then bytes, `", "` and `": "` between. */
export function jsonbText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(jsonbText).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => {
      const la = Buffer.byteLength(a);
      const lb = Buffer.byteLength(b);
      return la !== lb ? la - lb : Buffer.compare(Buffer.from(a), Buffer.from(b));
    });
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${jsonbText(v)}`).join(', ')}}`;
  }
  if (typeof value === 'number') return canonicalNumber(value);
  return JSON.stringify(value);
}

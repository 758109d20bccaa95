/**
 * Canonical texts shared by the two sides of a value check: reconcile computes them in JavaScript
 * from a re-mapped source row, and a target that cannot compute a form itself (MariaDB has no
 * function that orders JSON keys) writes its values in that form.
 */

/** A number in plain digits, never exponent notation, without trailing zeros, as PostgreSQL's numeric prints it. */
export function canonicalNumber(value: unknown): string {
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

/** JSON as PostgreSQL's jsonb prints it: keys ordered by UTF-8 length then bytes, `", "` and `": "` between, numbers in plain digits. */
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

/** Values in one form whatever their type or database (decimals without trailing zeros, timestamps as instants, empty text as NULL): for comparing two targets' rows in tests. */
const DECIMAL = /^[+-]?\d+(\.\d+)?$/;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}(?::?\d{2})?)$/;

/** A value in a form both databases' types agree on. */
export function canonical(value: unknown): string {
  if (value === null || value === undefined || value === '') return '∅';
  if (value instanceof Date) return `t${value.getTime()}`;
  if (typeof value === 'boolean') return value ? 'T' : 'F';
  if (typeof value === 'number' || typeof value === 'bigint') return `n${canonicalDecimal(String(value))}`;
  if (typeof value === 'string') {
    if (DECIMAL.test(value)) return `n${canonicalDecimal(value)}`;
    const time = TIMESTAMP.exec(value);
    if (time) {
      const zone = time[3] === 'Z' ? 'Z' : time[3]!.length === 3 ? `${time[3]}:00` : time[3]!.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
      const instant = Date.parse(`${time[1]}T${time[2]}${zone}`);
      if (!Number.isNaN(instant)) return `t${instant}`;
    }
    return `s${value}`;
  }
  return `j${JSON.stringify(value)}`;
}

function canonicalDecimal(text: string): string {
  let [whole, fraction = ''] = text.replace(/^\+/, '').split('.');
  const negative = whole!.startsWith('-');
  whole = whole!.replace('-', '').replace(/^0+(?=\d)/, '');
  fraction = fraction.replace(/0+$/, '');
  const body = fraction ? `${whole}.${fraction}` : whole;
  return negative && body !== '0' ? `-${body}` : body;
}

/**
 * The text form of a scalar value, the form in which transforms compare values to the lists in a
 * mapping file (`nullif`, `boolean`, `map`): text as is, numbers and booleans as JavaScript writes
 * them (`1`, `1.5`, `true`). Anything else (a Date, an object, an array) has no text form here.
 */
export function scalarText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    default:
      return undefined;
  }
}

/** "a number", "a date", "a list"…: the kind of a value, for reasons such as "it is a date, not text". */
export function describeKind(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'number':
    case 'bigint':
      return 'a number';
    case 'boolean':
      return 'true or false';
    default:
      return 'an object';
  }
}

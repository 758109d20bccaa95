/**
 * The contract of a field transform. A transform is declared in a mapping file either by name
 * (`trim`) or as an object whose one transform key names it and whose sibling keys refine it
 * (`{ map: { 中国: CN }, unknown: reject }`). Options are validated at the config edge against
 * {@link FieldTransform.schema}; `compile` runs once per mapping and returns the per-value function.
 */

/** JSON Schema fragment (draft 2020-12 subset understood by ajv). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/**
 * Returned (never thrown) by a value function when the value cannot be transformed.
 * The mapping engine turns it into a rejection of the whole row at stage `map`.
 */
export class InvalidValue {
  constructor(readonly reason: string) {}
}

/** A compiled transform: one value in, one value out (or {@link InvalidValue}). */
export type ValueTransform = (value: unknown) => unknown;

/** What an invalid value does, where a transform lets the mapping choose. */
export const ON_INVALID = ['reject', 'null', 'keep'] as const;
export type OnInvalid = (typeof ON_INVALID)[number];

export interface FieldTransform<Item extends Record<string, unknown> = Record<string, unknown>> {
  /** The key that names the transform in a mapping file. */
  readonly name: string;
  /** One line for `cutover validate --transforms` and docs/transforms.md. */
  readonly summary: string;
  /**
   * The item written by name alone (`email`) stands for this object form, e.g. `{ email: {} }`.
   * Absent when the transform needs an argument (`{ default: 'n/a' }`).
   */
  readonly shorthand?: Item;
  /** JSON Schema of the whole object form, e.g. `{ map: {…}, unknown: 'reject' }`. */
  readonly schema: JsonSchema;
  /** Turns a validated item into the per-value function. Called once per mapping. */
  compile(item: Item): ValueTransform;
}

/** Applies an `invalid` policy to a failed value: a rejection, a null, or the value unchanged. */
export function onInvalid(policy: OnInvalid | undefined, value: unknown, reason: string): unknown {
  switch (policy ?? 'reject') {
    case 'reject':
      return new InvalidValue(reason);
    case 'null':
      return null;
    case 'keep':
      return value;
  }
}

/** Quotes a value for a rejection reason, shortening long text. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return `'${text.length > 80 ? `${text.slice(0, 77)}...` : text}'`;
}

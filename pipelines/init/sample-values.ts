/**
 * Trying transforms on a column's sampled values: `cutover init` suggests a transform only when
 * the real transform reads most of what the source holds, so what it suggests is what will run.
 */
import { InvalidValue } from '../../transforms/field/field-transform.js';
import { getFieldTransform } from '../../transforms/field/registry.js';

/** A transform as a mapping file writes it: a name (`email`) or an object (`{ phone: { default_country: CN } }`). */
export type TransformItem = string | Readonly<Record<string, unknown>>;

/** Spellings of "no value" that legacy data puts where a value belongs; suggested as a `nullif` when they occur. */
export const NONE_SPELLINGS = ['n/a', 'na', '-', '--', 'none', 'null', 'nil', 'unknown', '无'] as const;

/** The non-empty values of a column, as the mapping sees them (empty text is null by default). */
export function presentValues(values: readonly unknown[]): unknown[] {
  return values.filter((value) => value !== null && value !== undefined && !(typeof value === 'string' && value.trim() === ''));
}

/** How many of `values` the transform chain reads without an invalid value. */
export function countReadable(items: readonly TransformItem[], values: readonly unknown[]): number {
  return readValues(items, values).length;
}

/** What the transform chain makes of `values`, the invalid ones left out. */
export function readValues(items: readonly TransformItem[], values: readonly unknown[]): unknown[] {
  const steps = items.map(compileItem);
  const read: unknown[] = [];
  for (const value of values) {
    let current: unknown = value;
    for (const step of steps) {
      current = step(current);
      if (current instanceof InvalidValue) break;
    }
    if (!(current instanceof InvalidValue)) read.push(current);
  }
  return read;
}

/** The none-spellings among `values` (as written), so that a `nullif` can name exactly them. */
export function noneSpellingsIn(values: readonly unknown[]): string[] {
  const found = new Set<string>();
  for (const value of values) {
    if (typeof value !== 'string') continue;
    const text = value.trim();
    if ((NONE_SPELLINGS as readonly string[]).includes(text.toLowerCase())) found.add(text);
  }
  return [...found];
}

/** `values` without the none-spellings: what a transform after the `nullif` sees. */
export function withoutNoneSpellings(values: readonly unknown[]): unknown[] {
  return values.filter((value) => typeof value !== 'string' || !(NONE_SPELLINGS as readonly string[]).includes(value.trim().toLowerCase()));
}

function compileItem(item: TransformItem): (value: unknown) => unknown {
  const name = typeof item === 'string' ? item : Object.keys(item)[0]!;
  const transform = getFieldTransform(name);
  if (!transform) throw new Error(`cutover init suggested an unknown transform \`${name}\``);
  const options = typeof item === 'string' ? transform.shorthand : item;
  if (!options) throw new Error(`cutover init suggested \`${name}\` without its options`);
  return transform.compile(options as Record<string, unknown>);
}

/** `12 of 20` as a share for comments: `60 %`. */
export function percent(part: number, whole: number): string {
  return whole === 0 ? '0 %' : `${Math.floor((part / whole) * 100)} %`;
}

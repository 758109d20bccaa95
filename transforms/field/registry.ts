/**
 * Every field transform by the name a mapping file uses. The config loader validates items
 * against each transform's schema and compiles them; `cutover validate --transforms` lists them.
 */
import { boolean } from './boolean.js';
import { concat } from './concat.js';
import { date } from './date.js';
import { datetime } from './datetime.js';
import { decimal } from './decimal.js';
import { defaultValue } from './default-value.js';
import { email } from './email.js';
import type { FieldTransform } from './field-transform.js';
import { integer } from './integer.js';
import { lower, title, upper } from './letter-case.js';
import { nfkc } from './nfkc.js';
import { nullif } from './nullif.js';
import { phone } from './phone.js';
import { replace } from './replace.js';
import { split } from './split.js';
import { truncate } from './truncate.js';
import { valueMap } from './value-map.js';
import { collapseSpaces, trim } from './whitespace.js';

/** The names of the field transforms, in the order `cutover validate --transforms` lists them. */
export const FIELD_TRANSFORM_NAMES = [
  'trim',
  'collapse_spaces',
  'lower',
  'upper',
  'title',
  'nfkc',
  'nullif',
  'default',
  'email',
  'phone',
  'date',
  'datetime',
  'decimal',
  'integer',
  'boolean',
  'map',
  'concat',
  'split',
  'replace',
  'truncate',
] as const;
export type FieldTransformName = (typeof FIELD_TRANSFORM_NAMES)[number];

const transforms: Record<FieldTransformName, FieldTransform<any>> = {
  trim,
  collapse_spaces: collapseSpaces,
  lower,
  upper,
  title,
  nfkc,
  nullif,
  default: defaultValue,
  email,
  phone,
  date,
  datetime,
  decimal,
  integer,
  boolean,
  map: valueMap,
  concat,
  split,
  replace,
  truncate,
};

/** Name → transform, in {@link FIELD_TRANSFORM_NAMES} order. */
export const FIELD_TRANSFORMS: ReadonlyMap<FieldTransformName, FieldTransform<any>> = new Map(FIELD_TRANSFORM_NAMES.map((name) => [name, transforms[name]]));

/** The transform a mapping file names, or undefined for an unknown name. */
export function getFieldTransform(name: string): FieldTransform | undefined {
  return FIELD_TRANSFORMS.get(name as FieldTransformName);
}

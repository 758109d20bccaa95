/**
 * `nfkc`: Unicode NFKC normalisation. Chinese input methods produce full-width Latin letters,
 * digits and punctuation (`ＡＢＣ（上海）１２３`); NFKC folds them to their ASCII forms
 * (`ABC(上海)123`) and turns U+3000 into a plain space, so that `trim`, `map` and de-duplication
 * see one spelling. CJK ideographs are unchanged.
 */
import type { FieldTransform } from './field-transform.js';
import { noOptionsSchema, transformSchema } from './transform-schema.js';

/** Option-less item of `nfkc`. */
export type NfkcItem = { nfkc: Record<string, never> };

// ASCII text is already in NFKC; testing for it is much cheaper than normalising.
const NON_ASCII = /[^\x00-\x7f]/;

/** `nfkc`: full-width letters, digits and punctuation to half-width; values that are not text pass through. */
export const nfkc: FieldTransform<NfkcItem> = {
  name: 'nfkc',
  summary: 'Unicode NFKC: full-width letters, digits and punctuation to half-width (ＡＢＣ（上海） → ABC(上海)).',
  shorthand: { nfkc: {} },
  schema: transformSchema(
    'nfkc',
    'Unicode NFKC normalisation: full-width letters, digits and punctuation become half-width (ＡＢＣ（上海） → ABC(上海)); U+3000 becomes a space.',
    noOptionsSchema('Normalise to NFKC.'),
  ),
  compile: () => (value) => {
    if (typeof value !== 'string') return value ?? null;
    return NON_ASCII.test(value) ? value.normalize('NFKC') : value;
  },
};

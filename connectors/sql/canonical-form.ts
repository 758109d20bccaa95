/**
 * The one convention every target's content probe and the JavaScript side
 * (pipelines/reconcile/canonical-value.ts) share: a row's text is each column's canonical value
 * prefixed by its UTF-8 length (`5:Alice;`), or {@link NULL_MARK} for NULL and empty text; its
 * digest is the first 15 hex digits of that text's MD5 as a 60-bit integer.
 */

/** Stands for NULL (and empty text) in the row text; no canonical value starts with it. */
export const NULL_MARK = '-';

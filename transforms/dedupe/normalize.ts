/**
 * Folding for comparison: what people type differently about the same company or person.
 * Full-width letters and digits (ＡＢＣ１２３) become half-width (NFKC), case and punctuation go,
 * and trailing legal forms are dropped, so that `ＡＣＭＥ Trading Co., Ltd.`, `Acme Trading
 * Limited` and `acme trading` fold alike, as do `华为技术有限公司` and `华为技术`.
 */

/** Legal forms at the end of a name, folded (letters and digits only), longest first within each family. */
export const LEGAL_FORMS: readonly string[] = [
  '集团股份有限公司', '集团有限公司', '股份有限公司', '有限责任公司', '有限公司', '集团', '公司',
  '株式会社', '有限会社',
  'companylimited', 'corporation', 'incorporated', 'limited', 'company',
  'coltd', 'pteltd', 'sdnbhd', 'gmbh', 'corp', 'ltd', 'llc', 'inc', 'plc', 'pte', 'co', 'ag', 'kk', 'sa', 'bv', 'nv', 'srl', 'spa',
];

const NOT_LETTER_OR_DIGIT = /[^\p{L}\p{N}]/gu;

/** Letters and digits only, NFKC, lower case. */
export function foldText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).normalize('NFKC').toLowerCase().replace(NOT_LETTER_OR_DIGIT, '');
}

/** {@link foldText}, then trailing legal forms removed (repeatedly: `… Co., Ltd.` loses both). */
export function foldCompanyName(value: unknown): string {
  let folded = foldText(value);
  for (let stripped = true; stripped; ) {
    stripped = false;
    for (const form of LEGAL_FORMS) {
      if (folded.length > form.length + 1 && folded.endsWith(form)) {
        folded = folded.slice(0, -form.length);
        stripped = true;
        break;
      }
    }
  }
  return folded;
}

/** A comparable form of an exact-match value: trimmed, NFKC, lower case; empty means none. */
export function exactKey(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).normalize('NFKC').trim().toLowerCase();
}

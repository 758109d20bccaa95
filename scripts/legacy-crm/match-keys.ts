/**
 * The keys a sensible duplicate matcher would compare, used to prove the generated duplicates are
 * findable and the look-alikes are not duplicates: a normalised e-mail, an E.164 phone, a folded
 * company name, a canonical city.
 */
import { isInvalidEmail, isNoEmail } from './legacy-codes.js';
import { canonicalCity } from './places.js';
import { phoneKey } from './phones.js';
import type { CustomerRow } from './legacy-schema.js';

/** Legal forms at the end of a folded name, longest first. */
const LEGAL_SUFFIXES = ['集团有限公司', '股份有限公司', '有限责任公司', '有限公司', '公司', 'coltd', 'limited', 'ltd', 'co', 'inc', 'llc', 'corp', 'gmbh', 'ag', 'plc', 'pte', 'kk'];

/** Lower-case trimmed address, or `null` when absent or malformed. */
export function emailKey(email: string | null): string | null {
  if (isNoEmail(email) || isInvalidEmail(email)) return null;
  return email!.trim().toLowerCase();
}

export { phoneKey };

/**
 * A company name folded for comparison: NFKC (full-width to half-width), lower case, only letters
 * and digits, and trailing legal forms removed.
 * @example nameKey('ＡＣＭＥ Trading Co. Ltd') === nameKey('Acme Trading Limited') // 'acmetrading'
 */
export function nameKey(name: string): string {
  let key = name.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
  for (let stripped = true; stripped; ) {
    stripped = false;
    for (const suffix of LEGAL_SUFFIXES) {
      if (key.length > suffix.length && key.endsWith(suffix)) {
        key = key.slice(0, -suffix.length);
        stripped = true;
        break;
      }
    }
  }
  return key;
}

export { canonicalCity as cityKey };

/** The strong keys of a customer: its valid e-mail and the E.164 forms of its phone and mobile. */
export interface StrongKeys {
  readonly email: string | null;
  readonly phone: string | null;
  readonly mobile: string | null;
}

export function strongKeys(row: CustomerRow): StrongKeys {
  return { email: emailKey(row.email), phone: phoneKey(row.phone), mobile: phoneKey(row.mobile) };
}

/** True when the two records share a valid e-mail or a phone number (phone or mobile, either column). */
export function shareStrongKey(a: StrongKeys, b: StrongKeys): boolean {
  if (a.email !== null && a.email === b.email) return true;
  const phonesA = [a.phone, a.mobile].filter((key) => key !== null);
  return [b.phone, b.mobile].some((key) => key !== null && phonesA.includes(key));
}

/** True when a column holds a value in both records and the values differ: a matcher's veto. */
export function conflictingStrongKey(a: StrongKeys, b: StrongKeys): boolean {
  const differ = (x: string | null, y: string | null) => x !== null && y !== null && x !== y;
  return differ(a.email, b.email) || differ(a.phone, b.phone) || differ(a.mobile, b.mobile);
}

/** True when neither an e-mail nor a phone number is present. */
export function hasNoStrongKey(keys: StrongKeys): boolean {
  return keys.email === null && keys.phone === null && keys.mobile === null;
}

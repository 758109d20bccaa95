/**
 * Telephone numbers: valid numbering-plan numbers (checked against libphonenumber in the tests),
 * written the many ways people typed them: `+86 138 0013 8000`, `138-0013-8000`,
 * `(0086)13800138000`, `(021) 6234-5678`, `021-62345678`, `+1 (415) 362-1234`, …
 */
import { CALLING_CODES, type City, type CountryCode } from './places.js';
import type { Random } from './random.js';

export const PHONE_KINDS = ['landline', 'mobile'] as const;
export type PhoneKind = (typeof PHONE_KINDS)[number];

/** One number, before it is written down. */
export interface Phone {
  readonly country: CountryCode;
  readonly kind: PhoneKind;
  /** Area code or mobile prefix, without a trunk prefix. Empty for Singapore. */
  readonly area: string;
  /** The rest of the national number. */
  readonly local: string;
}

/** `+8613800138000`: the number in E.164 form, the key a matcher compares. */
export function e164(phone: Phone): string {
  return `+${CALLING_CODES[phone.country]}${phone.area}${phone.local}`;
}

/** China Mobile, Unicom and Telecom prefixes. */
const CN_MOBILE_PREFIXES = ['130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '153', '155', '156', '157', '158', '159', '166', '173', '176', '177', '180', '181', '182', '183', '185', '186', '187', '188', '189', '198', '199'];
const DE_MOBILE_PREFIXES = ['151', '152', '157', '160', '162', '170', '171', '172', '176'];
const GB_MOBILE_PREFIXES = ['7912', '7825', '7833', '7946', '7400', '7507', '7711', '7811'];
const JP_MOBILE_PREFIXES = ['90', '80', '70'];

/** A new random number in a city; `mobile` numbers are national. */
export function randomPhone(random: Random, city: City, kind: PhoneKind): Phone {
  const { country } = city;
  if (kind === 'landline') {
    // Local numbers never start with 0 or 1; 2-8 keeps clear of service and mobile ranges.
    const first = city.localFirst ?? (country === 'SG' ? '6' : country === 'US' ? '23456789' : '2345678');
    return { country, kind, area: city.areaCode, local: random.digits(city.localDigits, first) };
  }
  switch (country) {
    case 'CN':
      return { country, kind, area: random.pick(CN_MOBILE_PREFIXES), local: random.digits(8) };
    case 'US':
      return { country, kind, area: city.areaCode, local: random.digits(7, '23456789') };
    case 'DE': {
      const area = random.pick(DE_MOBILE_PREFIXES);
      return { country, kind, area, local: random.digits(area.startsWith('15') ? 8 : 7, '123456789') };
    }
    case 'GB':
      return { country, kind, area: random.pick(GB_MOBILE_PREFIXES), local: random.digits(6) };
    case 'JP':
      return { country, kind, area: random.pick(JP_MOBILE_PREFIXES), local: random.digits(8, '123456789') };
    case 'SG':
      return { country, kind, area: '', local: random.digits(8, '89') };
  }
}

type Notation = readonly (readonly [(p: Phone) => string, number])[];

/** `local` split before its last four digits: `6234`, `5678`. */
const head = (p: Phone) => p.local.slice(0, -4);
const tail = (p: Phone) => p.local.slice(-4);

/** Ways of writing numbers, with weights; built once, so that writing a number builds one string. */
const NOTATIONS: Readonly<Record<'cnMobile' | 'cnLandline' | 'US' | 'JP' | 'SG' | 'other', Notation>> = {
  cnMobile: [
    [(p) => `${p.area}${p.local}`, 30],
    [(p) => `${p.area} ${head(p)} ${tail(p)}`, 15],
    [(p) => `${p.area}-${head(p)}-${tail(p)}`, 15],
    [(p) => `+86 ${p.area} ${head(p)} ${tail(p)}`, 20],
    [(p) => `+86${p.area}${p.local}`, 8],
    [(p) => `(0086)${p.area}${p.local}`, 7],
    [(p) => `0086-${p.area}-${head(p)}-${tail(p)}`, 5],
  ],
  cnLandline: [
    [(p) => `0${p.area}-${p.local}`, 35],
    [(p) => `(0${p.area}) ${head(p)}-${tail(p)}`, 20],
    [(p) => `0${p.area} ${head(p)} ${tail(p)}`, 15],
    [(p) => `+86 ${p.area} ${head(p)} ${tail(p)}`, 15],
    [(p) => `+86-${p.area}-${p.local}`, 10],
    [(p) => `(0086)${p.area}${p.local}`, 5],
  ],
  US: [
    [(p) => `+1 (${p.area}) ${head(p)}-${tail(p)}`, 40],
    [(p) => `+1 ${p.area}-${head(p)}-${tail(p)}`, 30],
    [(p) => `+1 ${p.area} ${head(p)} ${tail(p)}`, 20],
    [(p) => `+1${p.area}${p.local}`, 10],
  ],
  JP: [
    [(p) => `+81 ${p.area}-${head(p)}-${tail(p)}`, 60],
    [(p) => `+81 ${p.area} ${head(p)} ${tail(p)}`, 30],
    [(p) => `+81${p.area}${p.local}`, 10],
  ],
  SG: [
    [(p) => `+65 ${head(p)} ${tail(p)}`, 70],
    [(p) => `+65${p.local}`, 15],
    [(p) => `+65-${head(p)}-${tail(p)}`, 15],
  ],
  other: [
    [(p) => `+${CALLING_CODES[p.country]} ${p.area} ${p.local.length > 6 ? `${head(p)} ${tail(p)}` : p.local}`, 60],
    [(p) => `+${CALLING_CODES[p.country]} ${p.area} ${p.local}`, 25],
    [(p) => `+${CALLING_CODES[p.country]}${p.area}${p.local}`, 15],
  ],
};

/** Writes a number the way one of the legacy CRM's users would have; each call may differ. */
export function formatPhone(random: Random, phone: Phone): string {
  const notation =
    phone.country === 'CN' ? NOTATIONS[phone.kind === 'mobile' ? 'cnMobile' : 'cnLandline'] : phone.country === 'US' || phone.country === 'JP' || phone.country === 'SG' ? NOTATIONS[phone.country] : NOTATIONS.other;
  return random.weighted(notation)(phone);
}

/**
 * E.164 from text the generator wrote (not a general parser: the tests cross-check it against
 * libphonenumber). `+` or `00`/`(00…)` start an international number, a leading `0` is the
 * Chinese trunk prefix, and anything else is a Chinese mobile.
 */
export function phoneKey(text: string | null): string | null {
  if (text === null) return null;
  const trimmed = text.trim();
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length < 7) return null;
  if (trimmed.startsWith('+')) return `+${digits}`;
  if (digits.startsWith('00')) return `+${digits.slice(2)}`;
  if (digits.startsWith('0')) return `+86${digits.slice(1)}`;
  return `+86${digits}`;
}

/**
 * Duplicate copies: the same company entered again by someone else, typed differently. A copy
 * stays findable (it shares the e-mail or a phone number with its original, or, for name-only
 * copies, a near-identical name in the same city while one of the two records has neither e-mail
 * nor phone) and never contradicts its original: each e-mail or phone it has is the original's.
 */
import { heavyVariant, lightVariant } from './company-names.js';
import type { CopyKind } from './customer-plan.js';
import { cityText, randomCreatedStyle, randomEmployees, randomStatus, type CustomerProfile, type ProfileFactory } from './customer-profile.js';
import { randomEmail, recaseEmail } from './emails.js';
import { NO_EMAIL_MARKERS, isNoEmail } from './legacy-codes.js';
import { annualRevenue } from './money.js';
import { formatPhone, type Phone } from './phones.js';
import { COUNTRY_SPELLINGS } from './places.js';
import type { Random } from './random.js';

/**
 * A copy of `original`.
 * @param bareOriginal for a name-only copy: the original has no e-mail or phone, so the copy may
 *   have its own; otherwise the copy is the record without them.
 */
export function deriveCopy(random: Random, factory: ProfileFactory, original: CustomerProfile, kind: CopyKind, bareOriginal: boolean): CustomerProfile {
  const { city, company, contact } = original;
  const script = company.script;

  let email: string | null = null;
  let phone: Phone | null = null;
  let mobile: Phone | null = null;
  const absentEmail = () => (random.chance(0.7) ? null : random.pick(NO_EMAIL_MARKERS));
  if (kind === 'nameOnly' && bareOriginal) {
    // The original has nothing to contradict: the copy may carry keys of its own.
    email = random.chance(0.7) ? factory.claimEmail(() => randomEmail(random, contact, original.companyDomain, city.country)) : absentEmail();
    if (random.chance(0.6)) mobile = factory.claimPhone(city, 'mobile');
  } else if (kind === 'nameOnly') {
    email = absentEmail();
  } else {
    const available = (['email', 'phone', 'mobile'] as const).filter((key) =>
      key === 'email' ? !isNoEmail(original.email) : key === 'phone' ? original.phone !== null : original.mobile !== null,
    );
    if (available.length === 0) throw new Error(`Generator invariant: original ${original.name} of a key-sharing copy has no e-mail or phone`);
    const kept = new Set(available.filter(() => random.chance(0.65)));
    if (kept.size === 0) kept.add(random.pick(available));
    email = kept.has('email') ? (random.chance(0.3) ? recaseEmail(random, original.email!.trim().toLowerCase()) : original.email) : absentEmail();
    phone = kept.has('phone') ? original.phone : null;
    mobile = kept.has('mobile') ? original.mobile : null;
  }

  const name = kind === 'nameOnly' ? lightVariant(random, original.name) : random.chance(0.7) ? heavyVariant(random, company) : lightVariant(random, original.name);
  const contactRoll = random.next();
  const first = original.contactFirst?.trim() ?? null;
  const last = original.contactLast?.trim() ?? null;
  const fullName = contact === null ? null : script === 'zh' || contact.script === 'zh' ? `${contact.last}${contact.first}` : `${contact.first} ${contact.last}`;

  return {
    ...original,
    name,
    contactFirst: contactRoll < 0.8 ? first : null,
    contactLast: contactRoll < 0.8 ? last : contactRoll < 0.9 ? fullName : null,
    email,
    phone,
    phoneText: phone && formatPhone(random, phone),
    mobile,
    mobileText: mobile && formatPhone(random, mobile),
    countryText: random.chance(0.7) || original.countryText === null ? original.countryText : random.weighted(COUNTRY_SPELLINGS[city.country]),
    provinceText: random.weighted([
      [original.provinceText, 60],
      [city.provinces.length > 0 ? random.pick(city.provinces) : null, 25],
      [null, 15],
    ]),
    // A name-only copy is found by name within its city: the city is written the same way.
    cityText: kind === 'nameOnly' ? original.cityText : random.weighted([[original.cityText, 60], [cityText(random, city, script), 30], [null, 10]]),
    address: random.weighted([[original.address, 50], [original.address?.replace(/ /g, '') ?? null, 20], [null, 30]]),
    industry: random.weighted([[original.industry, 60], [null, 25], [company.industry, 15]]),
    status: random.chance(0.6) ? original.status : randomStatus(random),
    annualRevenue: random.chance(0.5) ? original.annualRevenue : annualRevenue(random, city.country),
    employees: random.chance(0.5) ? original.employees : randomEmployees(random),
    createdStyle: randomCreatedStyle(random),
    deleted: 0,
    notes: random.chance(0.85) ? null : original.notes,
    customerNoStyle: 'plain',
  };
}

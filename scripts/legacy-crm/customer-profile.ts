/**
 * One customer before it gets an id and timestamps: a company in a city, its contact, e-mail,
 * phones and the free-text fields, drawn to fit the customer's role. E-mails, phone numbers and
 * company cores are unique across unrelated customers, so that only the planned duplicates and
 * look-alikes resemble each other.
 */
import { CHINESE_GIVEN_NAMES, CHINESE_NOTES, CHINESE_SURNAMES } from './chinese-names.js';
import { coreKey, lookalikeName, randomCompanyName, renderCompanyName, type CompanyName } from './company-names.js';
import type { BaseRole } from './customer-plan.js';
import { asciiForEmail, invalidEmail, numberedEmail, randomEmail, recaseEmail, type Contact } from './emails.js';
import type { CreatedAtStyle } from './legacy-clock.js';
import { NO_EMAIL_MARKERS, UNMAPPABLE_CUSTOMER_STATUSES, isNoEmail } from './legacy-codes.js';
import type { DeletedFlag } from './legacy-schema.js';
import { FAMOUS_ACCOUNTS, LATIN_NOTES, latinPeopleFor } from './latin-names.js';
import { annualRevenue, group } from './money.js';
import { isValidPhoneNumber } from 'libphonenumber-js/max';
import { e164, formatPhone, randomPhone, type Phone, type PhoneKind } from './phones.js';
import { CITIES, COMPANY_TLDS, COUNTRY_SPELLINGS, type City, type CountryCode } from './places.js';
import type { Random } from './random.js';

export interface CustomerProfile {
  readonly company: CompanyName;
  readonly name: string;
  readonly city: City;
  readonly companyDomain: string;
  readonly contact: Contact | null;
  readonly contactFirst: string | null;
  readonly contactLast: string | null;
  readonly email: string | null;
  readonly phone: Phone | null;
  readonly phoneText: string | null;
  readonly mobile: Phone | null;
  readonly mobileText: string | null;
  readonly countryText: string | null;
  readonly provinceText: string | null;
  readonly cityText: string | null;
  readonly address: string | null;
  readonly industry: string | null;
  readonly status: string;
  readonly annualRevenue: string | null;
  readonly employees: string | null;
  /** `null`: the legacy `created_at` is NULL. */
  readonly createdStyle: CreatedAtStyle | null;
  readonly deleted: DeletedFlag;
  readonly notes: string | null;
  /** `C-000123`, `c-000123` or ` C-000123`, as typed. */
  readonly customerNoStyle: 'plain' | 'lower' | 'padded';
}

/** What a base customer must have for its role. */
export interface ProfileNeeds {
  readonly role: BaseRole;
  /** An original with a key-sharing copy needs a valid e-mail or a phone. */
  readonly strongKey?: boolean;
  /** Both sides of a name-only pair need a city. */
  readonly city?: boolean;
  /** The side of a name-only pair that has neither e-mail nor phone. */
  readonly bare?: boolean;
  /** The customer a look-alike takes its name from, in another city. */
  readonly lookalikeOf?: CustomerProfile;
}

const LATIN_COUNTRIES: readonly (readonly [CountryCode, number])[] = [['CN', 40], ['US', 18], ['DE', 12], ['GB', 9], ['JP', 12], ['SG', 9]];
const CREATED_STYLE_WEIGHTS: readonly (readonly [CreatedAtStyle | null, number])[] = [
  ['iso', 35], ['slash', 15], ['dmy', 12], ['utc', 10], ['offset', 10], ['chinese', 10], [null, 8],
];

/** Draws customer profiles and remembers every e-mail, phone and company core it handed out. */
export class ProfileFactory {
  readonly #random: Random;
  readonly #emails = new Set<string>();
  readonly #phones = new Set<string>();
  readonly #cores = new Set<string>();
  #famous = 0;

  constructor(random: Random) {
    this.#random = random;
  }

  create(needs: ProfileNeeds): CustomerProfile {
    const random = this.#random;
    const twinOf = needs.lookalikeOf;
    const lookalike = needs.role === 'lookalike';
    const script = twinOf ? twinOf.company.script : random.chance(0.5) ? 'zh' : 'latin';
    const city = twinOf ? this.#otherCity(twinOf.city) : pickCity(random, script === 'zh' ? 'CN' : random.weighted(LATIN_COUNTRIES));
    const country = city.country;
    const company = twinOf ? twinOf.company : this.#claimCompany(city, script, lookalike);
    const name = twinOf ? lookalikeName(random, company) : renderCompanyName(company);
    const companyDomain = `${company.domainStem || 'mail'}.${random.pick(COMPANY_TLDS[country])}`;

    const contactScript = script === 'zh' ? (random.chance(0.95) ? 'zh' : 'latin') : country === 'CN' ? (random.chance(0.6) ? 'zh' : 'latin') : 'latin';
    const contact = random.chance(0.93) ? randomContact(random, contactScript, country) : null;

    let email: string | null;
    let phone: Phone | null = null;
    let mobile: Phone | null = null;
    if (needs.bare) {
      email = random.chance(0.6) ? null : random.pick(NO_EMAIL_MARKERS);
    } else {
      const mustHaveEmail = lookalike || needs.role === 'invalidEmail';
      const roll = random.next();
      if (mustHaveEmail || roll < 0.8) {
        const valid = this.claimEmail(() => randomEmail(random, contact, companyDomain, country));
        email = needs.role === 'invalidEmail' ? invalidEmail(random, valid, contact) : random.chance(0.12) ? recaseEmail(random, valid) : valid;
      } else {
        email = roll < 0.93 ? null : random.pick(NO_EMAIL_MARKERS);
      }
      if (lookalike || random.chance(country === 'CN' ? 0.7 : 0.8)) phone = this.claimPhone(city, 'landline');
      if (random.chance(country === 'CN' ? 0.6 : country === 'US' ? 0.15 : 0.4)) mobile = this.claimPhone(city, 'mobile');
      const hasValidEmail = needs.role !== 'invalidEmail' && !isNoEmail(email);
      if (needs.strongKey && !hasValidEmail && phone === null && mobile === null) mobile = this.claimPhone(city, 'mobile');
    }

    const cityNeeded = needs.city || lookalike;
    return {
      company,
      name: random.chance(0.02) ? ` ${name}` : random.chance(0.02) ? `${name} ` : name,
      city,
      companyDomain,
      contact,
      contactFirst: contact === null || random.chance(0.03) ? null : padSometimes(random, contact.first),
      contactLast: contact === null ? null : padSometimes(random, contact.last),
      email,
      phone,
      phoneText: phone && formatPhone(random, phone),
      mobile,
      mobileText: mobile && formatPhone(random, mobile),
      countryText: random.chance(0.04) ? null : random.weighted(COUNTRY_SPELLINGS[country]),
      provinceText: city.provinces.length === 0 || random.chance(0.1) ? null : random.pick(city.provinces),
      cityText: !cityNeeded && random.chance(0.05) ? null : cityText(random, city, script),
      address: random.chance(0.25) ? null : randomAddress(random, city),
      industry: random.chance(0.15) ? null : random.chance(0.03) ? `${company.industry} ` : company.industry,
      status: needs.role === 'unmappableStatus' ? random.pick(UNMAPPABLE_CUSTOMER_STATUSES) : randomStatus(random),
      annualRevenue: annualRevenue(random, country),
      employees: randomEmployees(random),
      createdStyle: randomCreatedStyle(random),
      deleted: needs.role === 'softDeleted' ? 1 : 0,
      notes: randomNotes(random, script),
      customerNoStyle: random.weighted<CustomerProfile['customerNoStyle']>([['plain', 97], ['lower', 1.5], ['padded', 1.5]]),
    };
  }

  /** A valid address not used by any other customer. */
  claimEmail(make: () => string): string {
    const first = make();
    let email = first;
    for (let n = 2; this.#emails.has(email.toLowerCase()); n++) email = numberedEmail(first, n);
    this.#emails.add(email.toLowerCase());
    return email;
  }

  /** A number not used by any other customer, inside a range the numbering plan has allocated. */
  claimPhone(city: City, kind: PhoneKind): Phone {
    for (;;) {
      const phone = randomPhone(this.#random, city, kind);
      const key = e164(phone);
      // Random digits can land in unallocated blocks (Singapore 99xx xxxx); a real CRM's numbers rarely do.
      if (!this.#phones.has(key) && isValidPhoneNumber(key)) {
        this.#phones.add(key);
        return phone;
      }
    }
  }

  #claimCompany(city: City, script: 'zh' | 'latin', common: boolean): CompanyName {
    const random = this.#random;
    const famous = script === 'latin' && !common && city.country !== 'CN' && this.#famous < FAMOUS_ACCOUNTS.length && random.chance(0.03) ? FAMOUS_ACCOUNTS[this.#famous++] : undefined;
    for (let attempt = 0; ; attempt++) {
      // Common Latin names run out after a few pairs; then any untagged name serves.
      const name = randomCompanyName(random, city, script, { famous: attempt === 0 ? famous : undefined, common: common && attempt < 20 });
      const tagless = common ? { ...name, cityTag: null, cityTagStyle: null } : name;
      const key = coreKey(tagless);
      if (!this.#cores.has(key)) {
        this.#cores.add(key);
        return tagless;
      }
      if (attempt === 100_000) {
        // The name parts are finite; better a clear stop than a loop that never ends.
        throw new RangeError(`The generator ran out of distinct company names for ${city.names.at(-1)} after ${this.#cores.size} customers; generate fewer customers (about 60,000 fit)`);
      }
    }
  }

  #otherCity(city: City): City {
    const candidates = CITIES.filter((other) => other !== city && (city.country !== 'CN' || other.country === 'CN'));
    return this.#random.weighted(candidates.map((other) => [other, other.weight] as const));
  }
}

/** How a customer's `created_at` was written, or `null` when it is NULL. */
export function randomCreatedStyle(random: Random): CreatedAtStyle | null {
  return random.weighted(CREATED_STYLE_WEIGHTS);
}

function pickCity(random: Random, country: CountryCode): City {
  return random.weighted(CITIES.filter((city) => city.country === country).map((city) => [city, city.weight] as const));
}

/** Chinese-named companies write Chinese city names; Latin-named ones mostly English. */
export function cityText(random: Random, city: City, script: 'zh' | 'latin'): string {
  if (city.names.length === 1) return city.names[0]!;
  if (city.country !== 'CN') return random.pick(city.names);
  const [short, full, english] = city.names as [string, string, string];
  return script === 'zh' ? random.weighted([[short, 60], [full, 32], [english, 8]]) : random.weighted([[english, 55], [short, 30], [full, 15]]);
}

function randomContact(random: Random, script: 'zh' | 'latin', country: CountryCode): Contact {
  if (script === 'zh') {
    const [last, lastAscii] = random.pick(CHINESE_SURNAMES);
    const [first, firstAscii] = random.pick(CHINESE_GIVEN_NAMES);
    return { first, last, firstAscii, lastAscii, script };
  }
  const people = latinPeopleFor(country);
  const first = random.pick(people.first);
  const last = random.pick(people.last);
  return { first, last, firstAscii: asciiForEmail(first), lastAscii: asciiForEmail(last), script };
}

function padSometimes(random: Random, text: string): string {
  const roll = random.next();
  return roll < 0.015 ? ` ${text}` : roll < 0.03 ? `${text} ` : text;
}

function randomAddress(random: Random, city: City): string {
  const street = random.pick(city.streets);
  const n = random.int(1, 999);
  switch (city.country) {
    case 'CN':
      return random.weighted<string>([
        [`${street}${n}号`, 40],
        [`${street}${n}号${random.int(1, 30)}楼`, 25],
        [`${street} ${n} 号 ${random.int(1, 20)}栋${random.int(101, 2208)}室`, 20],
        [`${street}${n}号  ${random.int(1, 30)}F`, 15],
      ]);
    case 'DE':
      return `${street} ${random.int(1, 180)}`;
    case 'JP':
      return /^[A-Za-z]/.test(street) ? `${random.int(1, 9)}-${random.int(1, 30)}-${random.int(1, 20)} ${street}` : `${street}${random.int(1, 9)}-${random.int(1, 30)}-${random.int(1, 20)}`;
    case 'SG':
      return `${n} ${street}, #${String(random.int(2, 40)).padStart(2, '0')}-${String(random.int(1, 20)).padStart(2, '0')}`;
    default:
      return random.chance(0.3) ? `${n} ${street}, Suite ${random.int(100, 2400)}` : `${n} ${street}`;
  }
}

export function randomStatus(random: Random): string {
  const code = random.weighted<string>([['A', 60], ['I', 12], ['P', 16], ['L', 12]]);
  const roll = random.next();
  return roll < 0.03 ? code.toLowerCase() : roll < 0.05 ? ` ${code}` : roll < 0.06 ? `${code} ` : code;
}

export function randomEmployees(random: Random): string | null {
  const roll = random.next();
  if (roll < 0.3) return null;
  if (roll < 0.35) return '';
  const count = Math.round(Math.exp(Math.log(5) + random.next() * (Math.log(20000) - Math.log(5))));
  const style = random.next();
  if (style < 0.15 && count < 10_000) {
    const bands = [10, 50, 100, 500, 1000, 5000];
    const low = [...bands].reverse().find((band) => band <= count) ?? 1;
    const high = bands.find((band) => band > low) ?? 9999;
    return `${low}-${high}`;
  }
  // Below 995: `approx 1000` would not fit the VARCHAR(10) column.
  if (style < 0.22 && count < 995) return `approx ${Math.round(count / 10) * 10 || 10}`;
  if (style < 0.27) return `${Math.round(count / 100) * 100 || 100}+`;
  if (style < 0.42 && count >= 1000) return group(count, ',');
  return String(count);
}

function randomNotes(random: Random, script: 'zh' | 'latin'): string | null {
  if (random.chance(0.7)) return null;
  const notes = script === 'zh' ? CHINESE_NOTES : LATIN_NOTES;
  const first = random.pick(notes);
  if (random.chance(0.75)) return first;
  // Notes typed over years: several lines, some with Windows line breaks.
  return `${first}${random.chance(0.5) ? '\r\n' : '\n'}${random.pick(notes)}`;
}

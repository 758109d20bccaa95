/**
 * E-mail addresses: valid ones built from the contact's name (pinyin for Chinese contacts) and the
 * company's domain or a free mail provider, and the malformed ones people typed into the legacy
 * CRM (`zhang.wei@@qq.com`, `wang_li#163.com`, `li.na@example`, `john doe@example.com`, …).
 */
import { FREE_MAIL_DOMAINS, type CountryCode } from './places.js';
import type { Random } from './random.js';

/** A person as the generator knows them: the written name and an ASCII form for addresses. */
export interface Contact {
  readonly first: string;
  readonly last: string;
  readonly firstAscii: string;
  readonly lastAscii: string;
  readonly script: 'zh' | 'latin';
}

const GENERIC_MAILBOXES = ['sales', 'info', 'service', 'contact', 'purchasing', 'office', 'kefu', 'caiwu', 'admin'];

/** A valid address, not yet checked for uniqueness. */
export function randomEmail(random: Random, contact: Contact | null, companyDomain: string, country: CountryCode): string {
  const domain = random.chance(country === 'CN' ? 0.5 : 0.3) ? random.pick(FREE_MAIL_DOMAINS[country]) : companyDomain;
  if (domain === 'qq.com' && random.chance(0.5)) return `${random.digits(random.int(8, 10), '123456789')}@qq.com`;
  if (contact === null || random.chance(0.08)) return `${random.pick(GENERIC_MAILBOXES)}@${companyDomain}`;
  const first = contact.firstAscii;
  const last = contact.lastAscii;
  const local =
    contact.script === 'zh'
      ? random.weighted<string>([
          [`${last}${first}`, 25],
          [`${last}.${first}`, 20],
          [`${first}.${last}`, 15],
          [`${last}${first}${random.int(1970, 2001)}`, 15],
          [`${last}_${first}`, 10],
          [`${first[0]}${last}`, 10],
          [`${last}${first}${random.int(1, 99)}`, 5],
        ])
      : random.weighted<string>([
          [`${first}.${last}`, 45],
          [`${first[0]}${last}`, 20],
          [`${first}`, 10],
          [`${first}_${last}`, 10],
          [`${last}.${first[0]}`, 15],
        ]);
  return `${local}@${domain}`;
}

/** Another address for the same mailbox after a clash: `wang.wei@163.com` → `wang.wei2@163.com`. */
export function numberedEmail(email: string, n: number): string {
  const at = email.indexOf('@');
  return `${email.slice(0, at)}${n}${email.slice(at)}`;
}

/** The same address with its case changed, as some users typed it: `Zhang.Wei@QQ.com`. */
export function recaseEmail(random: Random, email: string): string {
  const at = email.indexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  return random.weighted<string>([
    [email.toUpperCase(), 15],
    [`${local.replace(/(^|[._])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase())}@${domain}`, 45],
    [`${local}@${domain.toUpperCase()}`, 20],
    [`${local.charAt(0).toUpperCase()}${local.slice(1)}@${domain.charAt(0).toUpperCase()}${domain.slice(1)}`, 20],
  ]);
}

/** A malformed address derived from a valid one; every shape fails a simple address check. */
export function invalidEmail(random: Random, valid: string, contact: Contact | null): string {
  const at = valid.indexOf('@');
  const local = valid.slice(0, at);
  const domain = valid.slice(at + 1);
  const spaced = contact === null ? `${local} ${local}` : `${contact.firstAscii} ${contact.lastAscii}`;
  return random.weighted<string>([
    [`${local}@@${domain}`, 20],
    [`${local}#${domain}`, 20],
    [`${local}@${domain.split('.')[0]!}`, 20],
    [`${spaced}@${domain}`, 15],
    [`${random.pick(GENERIC_MAILBOXES)}@公司`, 10],
    [`@${domain}`, 15],
  ]);
}

/** ASCII for an address: `Müller` → `mueller`, `O'Brien` → `obrien`. */
export function asciiForEmail(text: string): string {
  return text
    .toLowerCase()
    .replaceAll('ä', 'ae')
    .replaceAll('ö', 'oe')
    .replaceAll('ü', 'ue')
    .replaceAll('ß', 'ss')
    .normalize('NFKD')
    .replace(/[^a-z0-9]/g, '');
}

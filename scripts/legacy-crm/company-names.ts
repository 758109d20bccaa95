/**
 * Company names, Chinese (`上海华联贸易有限公司`, `华信科技（深圳）有限公司`) or Latin
 * (`Betatech Trading (Shanghai) Co., Ltd.`, `Zotware Systems, Inc.`), and the ways a second
 * salesperson typed the same name: other case and spacing, full-width letters and brackets,
 * another legal-form spelling, a dropped suffix or city.
 */
import { BRAND_HEADS, BRAND_TAILS, CHINESE_LEGAL_FORMS, CHINESE_TRADES } from './chinese-names.js';
import { BRAND_PREFIXES, BRAND_SUFFIXES, COMMON_LATIN_NAMES, LATIN_LEGAL_FORMS, LATIN_TRADES, LOOSE_INDUSTRIES } from './latin-names.js';
import type { City } from './places.js';
import type { Random } from './random.js';

/** A company name in parts, so that a copy can be typed differently. */
export interface CompanyName {
  readonly script: 'zh' | 'latin';
  /** Trade name and trade: `华联贸易`, `Betatech Trading`, `Acme Corporation`. */
  readonly core: string;
  /** The city written into the name, before the core (`上海…`) or in brackets (`…（上海）…`). */
  readonly cityTag: string | null;
  readonly cityTagStyle: 'prefix' | 'bracket' | null;
  /** `有限公司`, `Co., Ltd.`, `Inc.`; empty for names such as `Initech`. */
  readonly legalForm: string;
  /** Lower-case ASCII for the company's web domain: `hualian-trade`, `betatech`. */
  readonly domainStem: string;
  /** The legacy `industry` text that goes with the trade. */
  readonly industry: string;
}

/** Draws a new name; `common` picks generic cores that recur in other cities (look-alikes). */
export function randomCompanyName(random: Random, city: City, script: 'zh' | 'latin', options: { famous?: string | undefined; common?: boolean } = {}): CompanyName {
  if (script === 'zh') {
    const head = random.pick(BRAND_HEADS);
    let tail = random.pick(BRAND_TAILS);
    // 盛盛 or 华华 reads as a typo, not a trade name.
    while (tail[0] === head[0]) tail = random.pick(BRAND_TAILS);
    const trade = random.pick(CHINESE_TRADES);
    const tagged = !options.common && city.country === 'CN' && random.chance(0.55);
    return {
      script,
      core: `${head[0]}${tail[0]}${trade.text}`,
      cityTag: tagged ? city.names[0]! : null,
      cityTagStyle: tagged ? (random.chance(0.8) ? 'prefix' : 'bracket') : null,
      legalForm: random.weighted(CHINESE_LEGAL_FORMS),
      domainStem: random.chance(0.5) ? `${head[1]}${tail[1]}` : `${head[1]}${tail[1]}-${trade.domainWord}`,
      industry: random.chance(0.85) ? trade.industry : random.pick(LOOSE_INDUSTRIES),
    };
  }
  const [trade, industry] = random.pick(LATIN_TRADES);
  if (options.famous !== undefined) {
    return { script, core: options.famous, cityTag: null, cityTagStyle: null, legalForm: '', domainStem: options.famous.toLowerCase().replace(/[^a-z]/g, '').slice(0, 16), industry: random.pick(LOOSE_INDUSTRIES) };
  }
  const brand = options.common ? random.pick(COMMON_LATIN_NAMES) : `${random.pick(BRAND_PREFIXES)}${random.pick(BRAND_SUFFIXES)}`;
  const core = options.common ? brand : random.chance(0.3) ? brand : `${brand} ${trade}`;
  const tagged = !options.common && city.country === 'CN' && random.chance(0.5);
  return {
    script,
    core,
    cityTag: tagged ? city.names[city.names.length - 1]! : null,
    cityTagStyle: tagged ? 'bracket' : null,
    legalForm: random.weighted(LATIN_LEGAL_FORMS[city.country]),
    domainStem: core.toLowerCase().replace(/[^a-z]/g, '').slice(0, 20),
    industry: random.chance(0.8) ? industry : random.pick(LOOSE_INDUSTRIES),
  };
}

/** The name as the original record has it. */
export function renderCompanyName(name: CompanyName): string {
  if (name.script === 'zh') {
    if (name.cityTagStyle === 'prefix') return `${name.cityTag}${name.core}${name.legalForm}`;
    if (name.cityTagStyle === 'bracket') return `${name.core}（${name.cityTag}）${name.legalForm}`;
    return `${name.core}${name.legalForm}`;
  }
  const tag = name.cityTagStyle === 'bracket' ? ` (${name.cityTag})` : '';
  if (name.legalForm === '') return `${name.core}${tag}`;
  const comma = name.legalForm === 'Inc.' && tag === '' ? ',' : '';
  return `${name.core}${tag}${comma} ${name.legalForm}`;
}

/** The uniqueness key of a core: no two unrelated customers share one. */
export function coreKey(name: CompanyName): string {
  return name.core.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

/**
 * A light variant of a rendered name: case, spacing, full-width letters or brackets, or another
 * spelling of the same legal form. A name key that folds width, case, punctuation and legal forms
 * sees no difference, which is what a copy findable by its name alone needs.
 */
export function lightVariant(random: Random, text: string): string {
  const hasLatin = /[A-Za-z]/.test(text);
  const options: [() => string, number][] = [
    [() => spacingVariant(random, text), 30],
    [() => toFullWidth(text, random.chance(0.5)), hasLatin ? 20 : 6],
    [() => bracketVariant(text), /[()（）]/.test(text) ? 20 : 0],
    [() => legalSpellingVariant(random, text), /(Co\.|Inc\.?|Ltd|GmbH|Pte)/.test(text) ? 30 : 0],
    [() => text.toUpperCase(), hasLatin ? 15 : 0],
    [() => text.toLowerCase(), hasLatin ? 8 : 0],
    [() => `${text} `, 6],
    [() => ` ${text}`, 4],
  ];
  for (let attempt = 0; attempt < 5; attempt++) {
    const variant = random.weighted(options)();
    if (variant !== text) return variant;
  }
  return `${text} `;
}

/** A heavier variant: the legal form dropped or swapped, or the city tag dropped; then maybe a light one. */
export function heavyVariant(random: Random, name: CompanyName): string {
  const roll = random.next();
  let text: string;
  if (name.script === 'zh') {
    if (roll < 0.35 && name.legalForm !== '') text = renderCompanyName({ ...name, legalForm: '' });
    else if (roll < 0.6) text = renderCompanyName({ ...name, legalForm: name.legalForm === '有限公司' ? '有限责任公司' : '有限公司' });
    else if (roll < 0.8 && name.cityTag !== null) text = renderCompanyName({ ...name, cityTag: null, cityTagStyle: null });
    else text = renderCompanyName(name);
  } else {
    if (roll < 0.3 && name.legalForm !== '') text = renderCompanyName({ ...name, legalForm: '' });
    else if (roll < 0.6 && name.legalForm === 'Co., Ltd.') text = renderCompanyName({ ...name, legalForm: random.pick(['Limited', 'Ltd', 'Co. Ltd']) });
    else if (roll < 0.75 && name.cityTag !== null) text = renderCompanyName({ ...name, cityTag: null, cityTagStyle: null });
    else text = renderCompanyName(name);
  }
  return random.chance(0.5) || text === renderCompanyName(name) ? lightVariant(random, text) : text;
}

/** A name that resembles the original but belongs to another company: the same, or another legal form. */
export function lookalikeName(random: Random, name: CompanyName): string {
  if (random.chance(0.5)) return renderCompanyName(name);
  if (name.script === 'zh') return renderCompanyName({ ...name, legalForm: name.legalForm === '股份有限公司' ? '有限公司' : '股份有限公司' });
  return renderCompanyName({ ...name, legalForm: name.legalForm === 'Co., Ltd.' ? 'Co.' : 'Co., Ltd.' });
}

/** ASCII letters, digits and brackets in their full-width forms: `ABC` → `ＡＢＣ`, `(` → `（`. */
export function toFullWidth(text: string, firstWordOnly: boolean): string {
  const end = firstWordOnly ? (text.indexOf(' ') > 0 ? text.indexOf(' ') : text.length) : text.length;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += i < end && /[A-Za-z0-9()]/.test(text[i]!) ? String.fromCharCode(code + 0xfee0) : text[i];
  }
  return out;
}

function spacingVariant(random: Random, text: string): string {
  if (/\s/.test(text.trim())) return random.chance(0.7) ? text.replace(/ /, '  ') : text.replaceAll(' ', '');
  // A Chinese name without spaces gets one before its legal form, as some users typed it.
  const at = text.search(/(股份|集团)?有限(责任)?公司$/);
  return at > 0 ? `${text.slice(0, at)} ${text.slice(at)}` : `${text} `;
}

function bracketVariant(text: string): string {
  return /[（）]/.test(text) ? text.replaceAll('（', '(').replaceAll('）', ')') : text.replaceAll('(', '（').replaceAll(')', '）');
}

function legalSpellingVariant(random: Random, text: string): string {
  if (text.endsWith('Co., Ltd.')) return text.replace(/Co\., Ltd\.$/, random.pick(['Co. Ltd', 'Co.,Ltd.', 'CO., LTD.', 'Co., Ltd']));
  if (text.endsWith(', Inc.')) return text.replace(/, Inc\.$/, random.pick([' Inc.', ' Inc', ', Inc']));
  if (text.endsWith(' Inc.')) return text.replace(/ Inc\.$/, random.pick([', Inc.', ' Inc']));
  if (text.endsWith('Pte. Ltd.')) return text.replace(/Pte\. Ltd\.$/, 'Pte Ltd');
  if (text.endsWith('GmbH')) return text.replace(/GmbH$/, 'Gmbh');
  if (text.endsWith(' Ltd')) return `${text}.`;
  return `${text} `;
}

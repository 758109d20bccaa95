/**
 * Money as the legacy CRM stored it: free text with currency symbols, codes and national
 * separators (`¥12,000,000`, `$1,250,000.00`, `12.500.000,00 €`, `CNY 8000000`, `3 500 000`).
 * Every written amount is unambiguous once the notation is known: a lone separator followed by
 * three digits groups thousands; where both appear, the last one is the decimal mark.
 */
import type { CountryCode } from './places.js';
import type { Random } from './random.js';

export const CURRENCIES = ['CNY', 'USD', 'EUR', 'JPY', 'GBP', 'SGD'] as const;
export type Currency = (typeof CURRENCIES)[number];

/** How the `currency` column spelled each currency an opportunity can be in. */
export const CURRENCY_SPELLINGS: Readonly<Record<'CNY' | 'USD' | 'EUR' | 'JPY', readonly (readonly [string, number])[]>> = {
  CNY: [['CNY', 40], ['RMB', 30], ['¥', 20], ['￥', 10]],
  USD: [['USD', 70], ['$', 30]],
  EUR: [['EUR', 70], ['€', 30]],
  JPY: [['JPY', 100]],
};

/** The currency a company of this country reports its revenue in. */
export const HOME_CURRENCY: Readonly<Record<CountryCode, Currency>> = { CN: 'CNY', US: 'USD', DE: 'EUR', GB: 'GBP', JP: 'JPY', SG: 'SGD' };

/** An amount split for writing: rounded to whole units, and as integer and fraction digits of its cents. */
interface Figures {
  readonly whole: number;
  readonly units: number;
  readonly cents: string;
}
type Notation = readonly (readonly [(f: Figures) => string, number])[];

/** Notations by currency with their weights; built once, so that writing an amount builds one string. */
const NOTATIONS: Readonly<Record<Currency, Notation>> = {
  CNY: [
    [(f) => `¥${group(f.whole, ',')}`, 35],
    [(f) => `CNY ${f.whole}`, 15],
    [(f) => String(f.whole), 20],
    [(f) => group(f.whole, ' '), 10],
    [(f) => `${group(f.whole, ',')}.00`, 10],
    [(f) => `RMB ${group(f.whole, ',')}`, 10],
  ],
  USD: [
    [(f) => `$${group(f.units, ',')}.${f.cents}`, 45],
    [(f) => `$${group(f.whole, ',')}`, 20],
    [(f) => `USD ${f.whole}`, 20],
    [(f) => String(f.whole), 15],
  ],
  EUR: [
    [(f) => `${group(f.units, '.')},${f.cents} €`, 50],
    [(f) => `€${group(f.whole, ',')}`, 15],
    [(f) => `EUR ${f.whole}`, 20],
    [(f) => group(f.whole, ' '), 15],
  ],
  JPY: [
    [(f) => `¥${group(f.whole, ',')}`, 50],
    [(f) => `JPY ${f.whole}`, 35],
    [(f) => String(f.whole), 15],
  ],
  GBP: [
    [(f) => `GBP ${f.whole}`, 50],
    [(f) => group(f.whole, ','), 50],
  ],
  SGD: [
    [(f) => `SGD ${f.whole}`, 60],
    [(f) => `${group(f.whole, ',')}.00`, 40],
  ],
};

/** Writes an amount in a notation that fits the currency: whole units, or with cents where the notation shows them. */
export function formatMoney(random: Random, amount: number, currency: Currency): string {
  const [units, cents] = amount.toFixed(2).split('.') as [string, string];
  return random.weighted(NOTATIONS[currency])({ whole: Math.round(amount), units: Number(units), cents });
}

/** Rough exchange rates to turn a US-dollar list price into other currencies. */
export const PER_USD: Readonly<Record<Currency, number>> = { CNY: 7, USD: 1, EUR: 0.92, JPY: 150, GBP: 0.79, SGD: 1.35 };

/** Groups thousands: `group(3500000, ' ')` → `3 500 000`. */
export function group(whole: number, separator: string): string {
  return String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, separator);
}

/** A company's annual revenue in its home currency, as text; `''` when someone cleared the field. */
export function annualRevenue(random: Random, country: CountryCode): string | null {
  const roll = random.next();
  if (roll < 0.25) return null;
  if (roll < 0.3) return '';
  // Log-uniform between 500 thousand and 500 million US dollars, rounded the way people round revenue.
  const usd = Math.exp(Math.log(5e5) + random.next() * (Math.log(5e8) - Math.log(5e5)));
  const currency = HOME_CURRENCY[country];
  const local = usd * PER_USD[currency];
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(local)) - 1);
  return formatMoney(random, Math.round(local / magnitude) * magnitude, currency);
}

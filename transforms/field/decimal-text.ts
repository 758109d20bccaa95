/**
 * Reads the numbers people write in CRMs and spreadsheets (`¥1,234,567.00`, `12.500,00 €`,
 * `(1,234.00)`, `RMB5,000`, `１２３`) into exact digit strings, and writes them back with a fixed
 * scale. No step goes through a binary float, so `0.1` stays `0.1` and 20-digit amounts keep every digit.
 */
import { trimText } from './whitespace.js';

/** Which character separates the decimals; `auto` decides per value (see {@link readDecimal}). */
export const DECIMAL_SEPARATORS = ['auto', '.', ','] as const;
export type DecimalSeparator = (typeof DECIMAL_SEPARATORS)[number];

/** An exact decimal number as digit strings. */
export interface DecimalDigits {
  readonly negative: boolean;
  /** Integer digits without leading zeros (`0` for none). */
  readonly whole: string;
  /** Fraction digits as written (`''` for none). */
  readonly fraction: string;
}

/** Why a value is not a number; completes "… is not a number: ". */
export class NumberProblem {
  constructor(readonly detail: string) {}
}

const NON_ASCII = /[^\x00-\x7f]/;
const PLAIN = /^([+-]?)(\d+)(?:\.(\d+))?$/;
const EXPONENT = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/;
// ( sign currency sign body currency ): every piece optional but the body. Runs after NFKC, so
// full-width digits, brackets, commas and spaces (U+3000, NBSP, U+202F) are already ASCII.
const SHAPE = /^(\()?\s*([+-])?\s*([^\d\s.,'()+-]+?)?\s*([+-])?\s*(\d[\d.,' ]*|[.,]\d[\d.,' ]*)\s*([^\d\s.,'()+-]+)?\s*(\))?$/u;
const DIGITS = /^\d*$/;
const CURRENCY_SYMBOL = /^\p{Sc}$/u;
const DOLLAR_PREFIX = /^[A-Za-z]{1,3}\$$/; // US$, HK$, NT$, A$, R$
const CURRENCY_CODES: ReadonlySet<string> = new Set([...Intl.supportedValuesOf('currency'), 'RMB']);
const CURRENCY_UNITS: ReadonlySet<string> = new Set(['元', '圆', '圓', '円', '块', '塊']);

/**
 * Reads a number. Returns null for empty text, the digits, or the problem.
 *
 * Accepted: an optional sign (`-12.5`, `+3`) or accounting brackets (`(1,234.00)` is negative);
 * a currency symbol, ISO 4217 code, `RMB`, `US$`-style prefix or `元` before or after
 * (`¥1,234`, `CNY 50000`, `12.500,00 €`, `5000元`); thousands separators `,` `.` space or `'`;
 * full-width characters; JavaScript numbers and bigints.
 *
 * The decimal separator, with `auto`:
 * - when both `.` and `,` appear, the last one is the decimal separator (`1,234.50`, `1.234,50`);
 * - a separator that appears more than once groups thousands (`1.234.567`, `1,234,567`);
 * - a single `.` is the decimal separator: **`1.234` is 1.234**;
 * - a single `,` is a thousands separator when it could be one (1–3 digits not starting with 0
 *   before it, exactly 3 after, no other grouping): **`1,234` is 1234**; otherwise it is the
 *   decimal separator (`12,5`, `1 234,50`, `0,125`).
 *
 * That is, `.` is preferred as the decimal separator unless a repeated grouping proves otherwise.
 * Data from a comma-decimal locale should set `decimal_separator: ','`, which makes `1.234` 1234.
 */
export function readDecimal(value: unknown, separator: DecimalSeparator): DecimalDigits | NumberProblem | null {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return new NumberProblem(`${value} is not a finite number`);
    return fromPlain(PLAIN.exec(plainText(value))!);
  }
  if (typeof value === 'bigint') return fromPlain(PLAIN.exec(String(value))!);
  if (typeof value !== 'string') return new NumberProblem('it is not text or a number');

  let text = value;
  if (NON_ASCII.test(text)) text = text.normalize('NFKC').replaceAll('\u2212', '-');
  text = trimText(text);
  if (text === '') return null;
  if (separator !== ',') {
    const plain = PLAIN.exec(text);
    if (plain) return fromPlain(plain);
  }

  const shape = SHAPE.exec(text);
  if (!shape) return new NumberProblem(/\d/.test(text) ? 'it has characters other than digits, a sign, a currency and separators' : 'it has no digits');
  const [, open, sign1, prefix, sign2, body, suffix, close] = shape;
  if ((open === undefined) !== (close === undefined)) return new NumberProblem('it has an unmatched bracket');
  if ((open ? 1 : 0) + (sign1 ? 1 : 0) + (sign2 ? 1 : 0) > 1) return new NumberProblem('it has more than one sign');
  for (const unit of [prefix, suffix]) {
    if (unit !== undefined && !isCurrency(unit)) return new NumberProblem(`'${unit}' is not a currency`);
  }
  const digits = readBody(body!.trimEnd(), separator);
  if (digits instanceof NumberProblem) return digits;
  return { negative: open !== undefined || sign1 === '-' || sign2 === '-', whole: digits.whole, fraction: digits.fraction };
}

function isCurrency(unit: string): boolean {
  return CURRENCY_SYMBOL.test(unit) || CURRENCY_CODES.has(unit.toUpperCase()) || DOLLAR_PREFIX.test(unit) || CURRENCY_UNITS.has(unit);
}

function fromPlain(match: RegExpExecArray): DecimalDigits {
  return { negative: match[1] === '-', whole: stripZeros(match[2]!), fraction: match[3] ?? '' };
}

function stripZeros(whole: string): string {
  if (whole.length <= 1 || whole.charCodeAt(0) !== 48) return whole === '' ? '0' : whole;
  const stripped = whole.replace(/^0+/, '');
  return stripped === '' ? '0' : stripped;
}

/** The body: digits with thousands and decimal separators, e.g. `1.234.567,89`. */
function readBody(body: string, option: DecimalSeparator): { whole: string; fraction: string } | NumberProblem {
  const lastDot = body.lastIndexOf('.');
  const lastComma = body.lastIndexOf(',');
  let decimal: '.' | ',' | null;
  if (option !== 'auto') decimal = body.includes(option) ? option : null;
  else if (lastDot >= 0 && lastComma >= 0) decimal = lastDot > lastComma ? '.' : ',';
  else if (lastDot >= 0) decimal = body.indexOf('.') === lastDot ? '.' : null;
  else if (lastComma >= 0) decimal = body.indexOf(',') === lastComma && !couldGroupThousands(body, lastComma) ? ',' : null;
  else decimal = null;

  let integer = body;
  let fraction = '';
  if (decimal !== null) {
    const at = body.lastIndexOf(decimal);
    if (body.indexOf(decimal) !== at) return new NumberProblem(`it has more than one decimal separator '${decimal}'`);
    integer = body.slice(0, at);
    fraction = body.slice(at + 1);
    if (!DIGITS.test(fraction)) return new NumberProblem(`only digits may follow the decimal separator '${decimal}'`);
  }
  if (DIGITS.test(integer)) {
    if (integer === '' && fraction === '') return new NumberProblem('it has no digits');
    return { whole: stripZeros(integer), fraction };
  }
  const grouping = [...new Set(integer.replace(/\d/g, ''))];
  if (grouping.length > 1) return new NumberProblem(`it mixes thousands separators (${grouping.map((g) => `'${g}'`).join(' and ')})`);
  const groups = integer.split(grouping[0]!);
  const valid = groups.every((group, index) => (index === 0 ? group.length >= 1 && group.length <= 3 : group.length === 3));
  if (!valid) return new NumberProblem(`'${grouping[0]}' separates thousands here, so it must be followed by groups of exactly 3 digits`);
  return { whole: stripZeros(groups.join('')), fraction };
}

/** A lone `,` at `at` could separate thousands: 1–3 digits not starting with 0 before it, 3 after, no other grouping. */
function couldGroupThousands(body: string, at: number): boolean {
  return at >= 1 && at <= 3 && body.length - at - 1 === 3 && body.charCodeAt(0) !== 48 && DIGITS.test(body.slice(0, at));
}

/** A finite number as plain decimal text: `1e21` → `1000000000000000000000`, `1.5e-7` → `0.00000015`. */
export function plainText(value: number): string {
  const text = String(value);
  const match = EXPONENT.exec(text);
  if (!match) return text;
  const [, sign, first, rest = '', exponent] = match;
  const digits = first! + rest;
  const point = 1 + Number(exponent);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * Writes digits as `-1234.50`: with `scale`, exactly that many decimals, rounded half-up (half
 * away from zero, as accountants and Java's `ROUND_HALF_UP` do: `0.125` → `0.13`, `-2.5` → `-3`);
 * without, the decimals as written. Zero is never negative.
 */
export function formatDecimal(digits: DecimalDigits, scale: number | undefined): string {
  let { whole, fraction } = digits;
  if (scale !== undefined && fraction.length !== scale) {
    if (fraction.length < scale) fraction = fraction.padEnd(scale, '0');
    else {
      const roundUp = fraction.charCodeAt(scale) >= 53; // '5'
      fraction = fraction.slice(0, scale);
      if (roundUp) ({ whole, fraction } = addOneUnit(whole, fraction));
    }
  }
  const zero = /^0*$/.test(whole) && /^0*$/.test(fraction);
  const sign = digits.negative && !zero ? '-' : '';
  return fraction === '' ? sign + whole : `${sign}${whole}.${fraction}`;
}

/** Adds one unit in the last place of `whole.fraction`, carrying through the digits. */
function addOneUnit(whole: string, fraction: string): { whole: string; fraction: string } {
  const all = (whole + fraction).split('');
  let index = all.length - 1;
  while (index >= 0 && all[index] === '9') all[index--] = '0';
  if (index >= 0) all[index] = String.fromCharCode(all[index]!.charCodeAt(0) + 1);
  else all.unshift('1');
  const joined = all.join('');
  const split = joined.length - fraction.length;
  return { whole: joined.slice(0, split), fraction: joined.slice(split) };
}

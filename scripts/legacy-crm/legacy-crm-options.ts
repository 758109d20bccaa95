/**
 * Options of the legacy-CRM generator, their defaults and their validation, shared by the library,
 * the export writer, the MySQL seeder and both command lines.
 */

export interface LegacyCrmOptions {
  /** PRNG seed; the same seed gives the same rows. @default 42 */
  readonly seed: number;
  /** Rows in `customers`, duplicate copies included. @default 5000 */
  readonly customers: number;
  /** Rows in `opportunities`. @default 8000 */
  readonly opportunities: number;
  /** Rows in `tickets`. @default 12000 */
  readonly tickets: number;
  /** Share of `customers` that are extra copies of another customer. @default 0.07 */
  readonly duplicateRate: number;
}

export const DEFAULT_LEGACY_CRM_OPTIONS: Readonly<LegacyCrmOptions> = Object.freeze({
  seed: 42,
  customers: 5000,
  opportunities: 8000,
  tickets: 12000,
  duplicateRate: 0.07,
});

/** The largest duplicate rate: above it, copies would outnumber the customers left to copy. */
export const MAX_DUPLICATE_RATE = 0.4;

interface Rule {
  readonly integer: boolean;
  readonly min: number;
  readonly max: number;
  /** `an integer ≥ 1`, `a number from 0 to 0.4`. */
  readonly expected: string;
}

/** Accepted values of each option, in the words error messages use. */
export const OPTION_RULES: Readonly<Record<keyof LegacyCrmOptions, Rule>> = {
  seed: { integer: true, min: 0, max: 0xffffffff, expected: 'an integer from 0 to 4294967295' },
  customers: { integer: true, min: 1, max: 10_000_000, expected: 'an integer ≥ 1' },
  opportunities: { integer: true, min: 0, max: 100_000_000, expected: 'an integer ≥ 0' },
  tickets: { integer: true, min: 0, max: 100_000_000, expected: 'an integer ≥ 0' },
  duplicateRate: { integer: false, min: 0, max: MAX_DUPLICATE_RATE, expected: `a number from 0 to ${MAX_DUPLICATE_RATE}` },
};

/** True when `value` satisfies the option's rule. */
export function isValidOption(name: keyof LegacyCrmOptions, value: number): boolean {
  const rule = OPTION_RULES[name];
  return Number.isFinite(value) && (!rule.integer || Number.isInteger(value)) && value >= rule.min && value <= rule.max;
}

/**
 * Fills in defaults and checks every option.
 * @throws RangeError like: Expected `customers` to be an integer ≥ 1, got `0` (number)
 */
export function resolveLegacyCrmOptions(options: Partial<LegacyCrmOptions> = {}): Readonly<LegacyCrmOptions> {
  const resolved = { ...DEFAULT_LEGACY_CRM_OPTIONS };
  for (const name of Object.keys(OPTION_RULES) as (keyof LegacyCrmOptions)[]) {
    const value: unknown = options[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !isValidOption(name, value)) {
      throw new RangeError(`Expected \`${name}\` to be ${OPTION_RULES[name].expected}, got \`${String(value)}\` (${typeof value})`);
    }
    resolved[name] = value;
  }
  return Object.freeze(resolved);
}

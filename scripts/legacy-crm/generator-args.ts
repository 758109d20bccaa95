/**
 * The generator options on a command line (`--seed`, `--customers`, `--opportunities`,
 * `--tickets`, `--duplicate-rate`), shared by `generate-legacy-crm` and `seed-legacy-mysql`.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_LEGACY_CRM_OPTIONS, isValidOption, OPTION_RULES, type LegacyCrmOptions } from './legacy-crm-options.js';

/** `node:util` parseArgs options for the generator; values are strings, checked by {@link generatorOptionsFromArgs}. */
export const GENERATOR_ARG_OPTIONS = {
  seed: { type: 'string' },
  customers: { type: 'string' },
  opportunities: { type: 'string' },
  tickets: { type: 'string' },
  'duplicate-rate': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const FLAGS: Readonly<Record<keyof typeof GENERATOR_ARG_OPTIONS, keyof LegacyCrmOptions>> = {
  seed: 'seed',
  customers: 'customers',
  opportunities: 'opportunities',
  tickets: 'tickets',
  'duplicate-rate': 'duplicateRate',
};

/** The options part of a usage text. */
export const GENERATOR_USAGE = `  --seed N               PRNG seed; the same seed writes the same rows (default ${DEFAULT_LEGACY_CRM_OPTIONS.seed})
  --customers N          customers, duplicate copies included (default ${DEFAULT_LEGACY_CRM_OPTIONS.customers})
  --opportunities N      opportunities (default ${DEFAULT_LEGACY_CRM_OPTIONS.opportunities})
  --tickets N            support tickets (default ${DEFAULT_LEGACY_CRM_OPTIONS.tickets})
  --duplicate-rate R     share of customers that are extra copies of another (default ${DEFAULT_LEGACY_CRM_OPTIONS.duplicateRate})`;

/** A command-line mistake: exit code 2 and the message, no stack. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Turns the parsed flag strings into generator options; absent flags keep their defaults.
 * @throws UsageError listing every bad flag, e.g. Expected `--customers` to be an integer ≥ 1, got `abc`
 */
export function generatorOptionsFromArgs(values: Readonly<Partial<Record<keyof typeof GENERATOR_ARG_OPTIONS, string | undefined>>>): Partial<LegacyCrmOptions> {
  const options: { -readonly [K in keyof LegacyCrmOptions]?: number } = {};
  const problems: string[] = [];
  for (const [flag, name] of Object.entries(FLAGS) as [keyof typeof FLAGS, keyof LegacyCrmOptions][]) {
    const text = values[flag];
    if (text === undefined) continue;
    const rule = OPTION_RULES[name];
    const syntax = rule.integer ? /^\d+$/ : /^(\d+(\.\d*)?|\.\d+)$/;
    const value = Number(text.trim());
    if (!syntax.test(text.trim()) || !isValidOption(name, value)) {
      problems.push(`Expected \`--${flag}\` to be ${rule.expected}, got \`${text}\``);
      continue;
    }
    options[name] = value;
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return options;
}

/** Where a command's `main` prints; process.stdout and process.stderr by default. */
export interface Output {
  write(text: string): unknown;
}

/** A generator command line: `--help`, or the one required option and the generator options. */
export type GeneratorCommand = { readonly help: true } | { readonly help: false; readonly required: string; readonly options: Partial<LegacyCrmOptions> };

/**
 * Parses the generator options plus one required string option (`--out`, `--url`).
 * @throws UsageError listing every problem at once; an unknown flag as parseArgs words it
 */
export function parseGeneratorCommand(argv: readonly string[], required: { readonly name: string; readonly missing: string }): GeneratorCommand {
  const { values } = parseArgs({ args: [...argv], options: { ...GENERATOR_ARG_OPTIONS, [required.name]: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) return { help: true };
  const problems: string[] = [];
  const value = (values as Record<string, unknown>)[required.name];
  if (typeof value !== 'string' || value.trim() === '') problems.push(required.missing);
  let options: Partial<LegacyCrmOptions> = {};
  try {
    options = generatorOptionsFromArgs(values as Partial<Record<keyof typeof GENERATOR_ARG_OPTIONS, string>>);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    problems.push(error.message);
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return { help: false, required: value as string, options };
}

/**
 * The shape of one `cutover` command: what its help says, which options it takes (every other
 * option is refused), and how it runs. The command line (build-program.ts), the shell completion
 * and the tests all read the same definitions (command-table.ts).
 */
import type { GlobalOptions } from '../commands/command-context.js';
import { UsageError } from './usage-error.js';

export interface OptionDefinition {
  /** commander's syntax: `--full`, `--format <FORMAT>`, `-p, --project <DIR>`. */
  readonly flags: string;
  readonly description: string;
  /** The values a `<VALUE>` option accepts: checked before the command loads, listed in help, completed by the shell. */
  readonly choices?: readonly string[];
  /** Shown in help as `(default: …)`; the command applies it. */
  readonly defaultText?: string;
  /** Accepted, left out of help and completion (kept for old scripts). */
  readonly hidden?: boolean;
}

export interface CommandDefinition {
  /** The words after `cutover`: `run`, `backup verify`. */
  readonly name: string;
  /** Positional arguments in commander's syntax: `[entity...]`, `<DIR>`. */
  readonly arguments?: string;
  /** Words the shell offers for the positional arguments (`bash`, `zsh`); files otherwise. */
  readonly completeArguments?: readonly string[];
  /** One line, for the overview (`cutover --help`). */
  readonly summary: string;
  /** What it does, for its own help; the summary when absent. */
  readonly description?: string;
  readonly options?: readonly OptionDefinition[];
  /** Exit code → what it means for this command. */
  readonly exitCodes: Readonly<Record<number, string>>;
  /** One or more command lines, shown under `Examples:`. */
  readonly examples: readonly string[];
  /** `cutover rejects` runs `cutover rejects list`. */
  readonly isDefault?: boolean;
  /** Runs the command: load its module here (`await import(…)`), so that `--help` and usage errors load none. */
  readonly run: (input: CommandInput) => Promise<number>;
}

/** What a command's `run` receives: the global options and its own arguments and options, read by name. */
export class CommandInput {
  readonly global: GlobalOptions;
  /** The positional arguments, variadic ones spread. */
  readonly args: readonly string[];
  readonly #values: Readonly<Record<string, unknown>>;
  readonly #options: ReadonlyMap<string, OptionDefinition>;
  readonly #command: string;

  constructor(command: string, global: GlobalOptions, args: readonly string[], values: Readonly<Record<string, unknown>>, options: readonly OptionDefinition[]) {
    this.#command = command;
    this.global = global;
    this.args = args;
    this.#values = values;
    this.#options = new Map(options.map((option) => [attributeName(option.flags), option]));
  }

  /** A boolean option: true when given. */
  flag(name: string): boolean {
    return this.#value(name) === true;
  }

  /** A `<VALUE>` option as given, checked against its choices when it has any. */
  text(name: string): string | undefined {
    const value = this.#value(name);
    if (value === undefined) return undefined;
    const choices = this.#options.get(name)!.choices;
    if (choices && !choices.includes(String(value))) {
      throw new UsageError(`Expected \`--${kebab(name)}\` to be one of ${choices.join(', ')}, got \`${String(value)}\``);
    }
    return String(value);
  }

  /** An option whose value is optional (`--against [URL]`): false when not given, true when given bare, else its value. */
  valueOrFlag(name: string): string | boolean {
    const value = this.#value(name);
    return value === undefined || value === false ? false : value === true ? true : String(value);
  }

  /** A `<VALUE>` option with choices, typed as them; `fallback` when not given. */
  choice<T extends string>(name: string, fallback: T): T {
    return (this.text(name) as T | undefined) ?? fallback;
  }

  /** An integer option ≥ `min`; `fallback` when not given. */
  integer(name: string, fallback: number, min: number): number {
    const text = this.text(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (text.trim() === '' || !Number.isInteger(value) || value < min) throw new UsageError(`Expected \`--${kebab(name)}\` to be an integer ≥ ${min}, got \`${text}\``);
    return value;
  }

  /**
   * `--format` of a command that also takes `--json`: `--json` means `--format json`, and the two
   * must not disagree.
   */
  format<F extends string>(fallback: F): F {
    const format = this.text('format') as F | undefined;
    if (this.flag('json') && format !== undefined && format !== 'json') throw new UsageError(`\`--json\` and \`--format ${format}\` contradict each other; give one of them`);
    return format ?? (this.flag('json') ? ('json' as F) : fallback);
  }

  #value(name: string): unknown {
    // A name the definition does not declare is a mistake in the table, not in the command line.
    if (!this.#options.has(name)) throw new Error(`\`cutover ${this.#command}\` reads an option \`${name}\` its definition does not declare`);
    return this.#values[name];
  }
}

/** commander's attribute name for a flag: `--detect-deletes <X>` → `detectDeletes`. */
export function attributeName(flags: string): string {
  const long = flags.split(/[ ,|]+/).find((word) => word.startsWith('--'))!;
  return long.slice(2).replace(/^no-/, '').replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/**
 * `${VAR}` and `${VAR:-default}` in configuration values, from the environment given at the edge.
 * Expansion is recursive: a variable's value and a default may hold placeholders of their own,
 * so `LEGACY_URL='mysql://migrator:${LEGACY_PASSWORD}@legacy-db:3306/legacy_crm'` keeps the
 * password in a variable of its own. `$${` writes a literal `${`. Text that is not a placeholder
 * (`${`, `${1x}`, an unclosed `${A`) is kept as written.
 *
 * Messages name variables, never their values: a value may be a password.
 */

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Bounds on what expansion may produce, far above any real configuration, so that variables that
 * name each other many times over (`A=${B}${B}`, `B=${C}${C}`, …) are refused instead of
 * exhausting memory.
 */
export const INTERPOLATION_LIMITS = {
  /** Variables within variables (and defaults within defaults), counted together. */
  maxDepth: 16,
  /** Characters one value may expand to. */
  maxLength: 64 * 1024,
  /** Characters all the values of one project may expand to. */
  maxTotalLength: 16 * 1024 * 1024,
} as const;

/** A variable that was needed and is not set (or is empty), and the variables whose values named it. */
export interface MissingVariable {
  readonly name: string;
  /** Outermost first; empty when the configuration file names the variable itself. */
  readonly via: readonly string[];
}

export type Expansion =
  | {
      readonly ok: true;
      readonly text: string;
      /** Variables whose values were put in (not their defaults), outermost first: where a bad URL came from. */
      readonly used: readonly string[];
    }
  | {
      readonly ok: false;
      /** One sentence naming the variables, never their values. */
      readonly message: string;
      readonly used: readonly string[];
    };

/**
 * Why expansion stopped: a cycle, too deep, too long. Missing variables are collected instead.
 * A cycle or a length is the variable's own; a depth depends on where it was met.
 */
class ExpansionStopped extends Error {
  constructor(message: string, readonly ownToVariable = true) {
    super(message);
  }
}

interface Expanded {
  readonly text: string;
  readonly used: readonly string[];
  readonly missing: readonly MissingVariable[];
}

/**
 * Expands placeholders against one environment. A variable's expansion does not depend on where it
 * is used, so each is expanded once and remembered: a project that names `${LEGACY_URL}` in many
 * places, or variables that name each other many times over, cost one expansion per variable.
 */
export class EnvInterpolator {
  readonly #env: Environment;
  readonly #variables = new Map<string, Expanded | ExpansionStopped>();
  /** Variables being expanded, outermost first: a name met again is a cycle. */
  readonly #chain: string[] = [];
  #total = 0;

  constructor(env: Environment) {
    this.#env = env;
  }

  /** True when `text` holds something expansion would change. */
  static mentions(text: string): boolean {
    return text.includes('${');
  }

  expand(text: string): Expansion {
    try {
      const { text: expanded, used, missing } = this.#expandText(text, 0);
      if (missing.length > 0) return { ok: false, message: describeMissing(missing), used };
      this.#total += expanded.length;
      if (this.#total > INTERPOLATION_LIMITS.maxTotalLength) {
        return { ok: false, message: `environment variables expand to more than ${INTERPOLATION_LIMITS.maxTotalLength} characters in all; do they name each other many times over?`, used };
      }
      return { ok: true, text: expanded, used };
    } catch (error) {
      if (error instanceof ExpansionStopped) return { ok: false, message: error.message, used: [] };
      throw error;
    }
  }

  #expandText(text: string, depth: number): Expanded {
    if (!text.includes('$')) return { text, used: [], missing: [] };
    let out = '';
    const used: string[] = [];
    const missing: MissingVariable[] = [];
    let i = 0;
    while (i < text.length) {
      const dollar = text.indexOf('$', i);
      if (dollar < 0) {
        out += text.slice(i);
        break;
      }
      out += text.slice(i, dollar);
      if (text.startsWith('$${', dollar)) {
        out += '${';
        i = dollar + 3;
        continue;
      }
      const placeholder = text[dollar + 1] === '{' ? parsePlaceholder(text, dollar) : undefined;
      if (placeholder === undefined) {
        out += '$';
        i = dollar + 1;
        continue;
      }
      const value = this.#resolve(placeholder, depth);
      out += value.text;
      used.push(...value.used);
      missing.push(...value.missing);
      if (out.length > INTERPOLATION_LIMITS.maxLength) {
        throw new ExpansionStopped(`\`\${${placeholder.name}}\` makes a value longer than ${INTERPOLATION_LIMITS.maxLength} characters; do the variables name each other many times over?`);
      }
      i = placeholder.end;
    }
    return { text: out, used: [...new Set(used)], missing };
  }

  #resolve(placeholder: Placeholder, depth: number): Expanded {
    const { name, fallback } = placeholder;
    const raw = this.#env[name];
    if (raw !== undefined && raw !== '') {
      const value = this.#variable(name, raw, depth);
      return { text: value.text, used: [name, ...value.used], missing: value.missing.map((m) => ({ name: m.name, via: [name, ...m.via] })) };
    }
    if (fallback !== undefined) {
      this.#checkDepth(depth + 1, `the default of \`\${${name}}\``);
      return this.#expandText(fallback, depth + 1);
    }
    return { text: '', used: [], missing: [{ name, via: [] }] };
  }

  #variable(name: string, raw: string, depth: number): Expanded {
    const known = this.#variables.get(name);
    if (known instanceof ExpansionStopped) throw known;
    if (known !== undefined) return known;
    if (this.#chain.includes(name)) {
      const cycle = [...this.#chain.slice(this.#chain.indexOf(name)), name].map((n) => `\`${n}\``).join(' → ');
      throw new ExpansionStopped(`environment variables refer to each other in a cycle: ${cycle}; one of them must hold a value, not a reference`);
    }
    this.#checkDepth(depth + 1, `\`${name}\``);
    this.#chain.push(name);
    try {
      const value = this.#expandText(raw, depth + 1);
      this.#variables.set(name, value);
      return value;
    } catch (error) {
      if (error instanceof ExpansionStopped && error.ownToVariable) this.#variables.set(name, error);
      throw error;
    } finally {
      this.#chain.pop();
    }
  }

  #checkDepth(depth: number, what: string): void {
    if (depth <= INTERPOLATION_LIMITS.maxDepth) return;
    const chain = this.#chain.length > 0 ? ` (${this.#chain.map((n) => `\`${n}\``).join(' → ')} → …)` : '';
    throw new ExpansionStopped(`environment variables nest more than ${INTERPOLATION_LIMITS.maxDepth} levels deep at ${what}${chain}`, false);
  }
}

/** Expands one text: {@link EnvInterpolator.expand} without sharing what was expanded. */
export function interpolateEnv(text: string, env: Environment): Expansion {
  return new EnvInterpolator(env).expand(text);
}

interface Placeholder {
  readonly name: string;
  /** The text after `:-`, unexpanded; undefined without a default. */
  readonly fallback: string | undefined;
  /** Offset just after the closing `}`. */
  readonly end: number;
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/** `${NAME}` or `${NAME:-default}` at `start` (the `$`); a default may hold `${…}` of its own. */
function parsePlaceholder(text: string, start: number): Placeholder | undefined {
  NAME.lastIndex = start + 2;
  const match = NAME.exec(text);
  if (!match) return undefined;
  const name = match[0];
  const after = start + 2 + name.length;
  if (text[after] === '}') return { name, fallback: undefined, end: after + 1 };
  if (!text.startsWith(':-', after)) return undefined;
  // The default runs to the `}` that balances this `${`, counting the `${` inside it.
  let open = 1;
  for (let i = after + 2; i < text.length; i++) {
    if (text.startsWith('${', i)) {
      open++;
      i++;
    } else if (text[i] === '}' && --open === 0) {
      return { name, fallback: text.slice(after + 2, i), end: i + 1 };
    }
  }
  return undefined;
}

function describeMissing(missing: readonly MissingVariable[]): string {
  const unique = new Map<string, MissingVariable>();
  for (const entry of missing) if (!unique.has(entry.name)) unique.set(entry.name, entry);
  const names = [...unique.values()].map((m) => `\`${m.name}\`${m.via.length > 0 ? ` (in ${m.via.map((v) => `\`${v}\``).join(' → ')})` : ''}`);
  return `environment variable${names.length > 1 ? 's' : ''} ${names.join(', ')} not set (write \`\${NAME:-default}\` for a default)`;
}

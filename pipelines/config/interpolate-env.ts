/**
 * `${VAR}` and `${VAR:-default}` in connection URLs, from the environment given at the edge. A
 * variable's value may name other variables, one level deep:
 * `LEGACY_URL='mysql://migrator:${LEGACY_PASSWORD}@legacy-db:3306/legacy_crm'` keeps the password
 * in a variable of its own.
 */

export type Environment = Readonly<Record<string, string | undefined>>;

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface InterpolationResult {
  readonly text: string;
  /** Variables referenced without a default and not set. */
  readonly missing: readonly string[];
  /** Variables whose values were put in (not their defaults): where a bad URL came from. */
  readonly used: readonly string[];
}

export function interpolateEnv(text: string, env: Environment): InterpolationResult {
  const missing: string[] = [];
  const used: string[] = [];
  const expand = (input: string, nested: boolean): string =>
    input.replace(PLACEHOLDER, (_match, name: string, fallback: string | undefined) => {
      const value = env[name];
      if (value !== undefined && value !== '') {
        used.push(name);
        // One level only: a value cannot expand itself without end.
        return nested ? value : expand(value, true);
      }
      if (fallback !== undefined) return fallback;
      missing.push(name);
      return '';
    });
  return { text: expand(text, false), missing, used };
}

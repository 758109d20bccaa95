/** `${VAR}` and `${VAR:-default}` in connection URLs, from the environment given at the edge. */

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
  const result = text.replace(PLACEHOLDER, (_match, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== '') {
      used.push(name);
      return value;
    }
    if (fallback !== undefined) return fallback;
    missing.push(name);
    return '';
  });
  return { text: result, missing, used };
}

/**
 * The error `compile` throws for an option that passed its JSON Schema but still cannot work:
 * an unknown time zone, a regular expression that does not compile, a country the phone metadata
 * lacks. The config loader reports it at {@link TransformOptionError.pointer} with the file's line,
 * beside the schema errors, before any row moves.
 */
export class TransformOptionError extends Error {
  override readonly name = 'TransformOptionError';
  /** JSON pointer inside the transform item, e.g. `/datetime/tz` or `/map/China`. */
  readonly pointer: string;

  constructor(pointer: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.pointer = pointer;
  }
}

/**
 * Builds a {@link TransformOptionError} in p-queue's form.
 *
 * @example
 * optionError('/datetime/tz', 'tz', 'an IANA time zone such as `Asia/Shanghai`', 'Asia/Shangai', 'did you mean `Asia/Shanghai`?')
 * // Expected `tz` to be an IANA time zone such as `Asia/Shanghai`, got `Asia/Shangai`; did you mean `Asia/Shanghai`?
 */
export function optionError(pointer: string, option: string, expected: string, got: unknown, hint?: string, cause?: unknown): TransformOptionError {
  const shown = typeof got === 'string' ? `\`${got}\`` : `\`${JSON.stringify(got) ?? String(got)}\` (${typeof got})`;
  return new TransformOptionError(pointer, `Expected \`${option}\` to be ${expected}, got ${shown}${hint ? `; ${hint}` : ''}`, cause === undefined ? undefined : { cause });
}

/** Escapes one reference token of a JSON pointer (RFC 6901): `~` → `~0`, `/` → `~1`. */
export function pointerToken(token: string | number): string {
  return String(token).replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * The candidate closest to `name` by edit distance (case-insensitive), when it is close enough to
 * be a typo (at most a third of the name's length); for "did you mean" hints.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase(), bestDistance);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `ceiling`) once it cannot get below `ceiling`. */
function editDistance(a: string, b: string, ceiling: number): number {
  if (Math.abs(a.length - b.length) >= ceiling) return ceiling;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin >= ceiling) return ceiling;
    previous = current;
  }
  return previous[b.length]!;
}

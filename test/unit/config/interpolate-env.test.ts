/**
 * `${VAR}` and `${VAR:-default}`: recursive, with defaults that expand too, a cycle guard, a depth
 * bound and a length bound; messages name variables, never their values.
 */
import { describe, expect, it } from 'vitest';
import { EnvInterpolator, INTERPOLATION_LIMITS, interpolateEnv, type Expansion } from '../../../pipelines/config/interpolate-env.js';

const text = (result: Expansion): string => {
  expect(result.ok, result.ok ? '' : result.message).toBe(true);
  return result.ok ? result.text : '';
};
const message = (result: Expansion): string => {
  expect(result.ok, 'expected the expansion to fail').toBe(false);
  return result.ok ? '' : result.message;
};

describe('interpolateEnv', () => {
  it('expands the README recipe: a URL whose password is a variable of its own', () => {
    const env = { LEGACY_URL: 'mysql://migrator:${LEGACY_PASSWORD}@legacy-db:3306/legacy_crm', LEGACY_PASSWORD: 'Rel9%2FSec' };
    expect(interpolateEnv('${LEGACY_URL}', env)).toEqual({ ok: true, text: 'mysql://migrator:Rel9%2FSec@legacy-db:3306/legacy_crm', used: ['LEGACY_URL', 'LEGACY_PASSWORD'] });
  });

  it('expands as deep as the variables go, within the depth bound', () => {
    const env: Record<string, string> = { V0: 'end' };
    for (let i = 1; i < INTERPOLATION_LIMITS.maxDepth; i++) env[`V${i}`] = `<\${V${i - 1}}>`;
    const top = `V${INTERPOLATION_LIMITS.maxDepth - 1}`;
    expect(text(interpolateEnv(`\${${top}}`, env))).toBe(`${'<'.repeat(INTERPOLATION_LIMITS.maxDepth - 1)}end${'>'.repeat(INTERPOLATION_LIMITS.maxDepth - 1)}`);
    env[`V${INTERPOLATION_LIMITS.maxDepth}`] = `\${${top}}`;
    expect(message(interpolateEnv(`\${V${INTERPOLATION_LIMITS.maxDepth}}`, env))).toMatch(/^environment variables nest more than 16 levels deep at `V0` \(`V16` → `V15` → .* → `V1` → …\)$/);
  });

  it('uses a default when the variable is unset or empty, and expands the default too', () => {
    expect(text(interpolateEnv('${A:-plain}', {}))).toBe('plain');
    expect(text(interpolateEnv('${A:-plain}', { A: '' }))).toBe('plain');
    expect(text(interpolateEnv('${A:-x}', { A: 'set' }))).toBe('set');
    expect(text(interpolateEnv('${A:-${B:-${C:-inner}}}', { C: 'c' }))).toBe('c');
    expect(text(interpolateEnv('${A:-${B:-${C:-inner}}}', {}))).toBe('inner');
    expect(text(interpolateEnv('pglite://${DIR:-./.cutover/${NAME:-newcrm}}?x=1', { NAME: 'crm' }))).toBe('pglite://./.cutover/crm?x=1');
    // A default holding a URL with a variable password, as a variable's value can.
    expect(text(interpolateEnv('${URL:-mysql://m:${PW}@db/x}', { PW: 'p%40ss' }))).toBe('mysql://m:p%40ss@db/x');
    // An empty default is allowed: the value is empty.
    expect(text(interpolateEnv('a${A:-}b', {}))).toBe('ab');
  });

  it('counts only variables put in as used, not defaults', () => {
    expect(interpolateEnv('${A:-${B:-x}}', { B: 'b' })).toMatchObject({ ok: true, used: ['B'] });
    expect(interpolateEnv('${A}${A}', { A: 'a' })).toMatchObject({ ok: true, text: 'aa', used: ['A'] });
  });

  it('names every variable that is missing, and the variable that named it, never a value', () => {
    expect(message(interpolateEnv('${A}', {}))).toBe('environment variable `A` not set (write `${NAME:-default}` for a default)');
    expect(message(interpolateEnv('${A}/${B}', { A: '' }))).toBe('environment variables `A`, `B` not set (write `${NAME:-default}` for a default)');
    const nested = message(interpolateEnv('${LEGACY_URL}', { LEGACY_URL: 'mysql://m:${LEGACY_PASSWORD}@db:3306/x${OUTER:-${INNER}}' }));
    expect(nested).toBe('environment variables `LEGACY_PASSWORD` (in `LEGACY_URL`), `INNER` (in `LEGACY_URL`) not set (write `${NAME:-default}` for a default)');
    expect(nested).not.toContain('mysql://');
  });

  it('refuses a cycle with one line naming the chain', () => {
    expect(message(interpolateEnv('${A}', { A: '${B}', B: '${A}' }))).toBe('environment variables refer to each other in a cycle: `A` → `B` → `A`; one of them must hold a value, not a reference');
    expect(message(interpolateEnv('x${SELF}', { SELF: 'pre-${SELF}' }))).toMatch(/cycle: `SELF` → `SELF`;/);
    // The cycle through a default: still a cycle.
    expect(message(interpolateEnv('${A}', { A: '${B:-${A}}' }))).toMatch(/cycle: `A` → `A`;/);
    // Entering the cycle from outside it names the cycle, not the way in.
    expect(message(interpolateEnv('${TOP}', { TOP: '${A}', A: '${B}', B: '${C}', C: '${A}' }))).toMatch(/cycle: `A` → `B` → `C` → `A`;/);
  });

  it('bounds nesting of defaults as well as of variables', () => {
    const deep = `${'${X:-'.repeat(INTERPOLATION_LIMITS.maxDepth + 1)}v${'}'.repeat(INTERPOLATION_LIMITS.maxDepth + 1)}`;
    expect(message(interpolateEnv(deep, {}))).toMatch(/^environment variables nest more than 16 levels deep at the default of `\$\{X\}`$/);
    const shallow = `${'${X:-'.repeat(INTERPOLATION_LIMITS.maxDepth)}v${'}'.repeat(INTERPOLATION_LIMITS.maxDepth)}`;
    expect(text(interpolateEnv(shallow, {}))).toBe('v');
  });

  it('refuses variables that name each other into a value past the length bound, quickly and without the value', () => {
    // Ten references per level, 16 levels: 10^16 characters if expanded.
    const env: Record<string, string> = { L0: 'secret-piece-' };
    for (let i = 1; i <= 15; i++) env[`L${i}`] = `\${L${i - 1}}`.repeat(10);
    const result = message(interpolateEnv('${L15}', env));
    expect(result).toMatch(/makes a value longer than 65536 characters/);
    expect(result).not.toContain('secret-piece');
    // Empty leaves produce nothing but cost work: remembered per variable, this stays instant.
    const empty: Record<string, string> = { E0: '${NOTHING:-}' };
    for (let i = 1; i <= 14; i++) empty[`E${i}`] = `\${E${i - 1}}`.repeat(10);
    expect(text(interpolateEnv('[${E14}]', empty))).toBe('[]');
  });

  it('bounds what one project may expand to in all', () => {
    const interpolator = new EnvInterpolator({ BIG: 'x'.repeat(INTERPOLATION_LIMITS.maxLength) });
    const rounds = Math.floor(INTERPOLATION_LIMITS.maxTotalLength / INTERPOLATION_LIMITS.maxLength);
    for (let i = 0; i < rounds; i++) expect(interpolator.expand('${BIG}').ok).toBe(true);
    expect(message(interpolator.expand('${BIG}'))).toMatch(/expand to more than 16777216 characters in all/);
  });

  it('keeps what is not a placeholder as written, and $${ as a literal ${', () => {
    for (const literal of ['$', '$$', '${', '${1X}', '${A', '${A:-unclosed', '${A-b}', '${ A }', 'cost: $5', 'where x = $$tag$$', '${}']) {
      expect(text(interpolateEnv(literal, { A: 'a', X: 'x' })), literal).toBe(literal);
    }
    expect(text(interpolateEnv('$${A} and ${A}', { A: 'a' }))).toBe('${A} and a');
    // A literal `${` made by `$${` is not expanded again, nor is one inside a variable's value.
    expect(text(interpolateEnv('${A}', { A: '$${B}', B: 'b' }))).toBe('${B}');
  });

  it('ends a default at the first `}` not closing a `${` inside it', () => {
    expect(text(interpolateEnv('${A:-{x}}', {}))).toBe('{x}');
    expect(text(interpolateEnv('${A:-x}}', {}))).toBe('x}');
    expect(text(interpolateEnv('${A:-${B:-b}c}d', {}))).toBe('bcd');
  });
});

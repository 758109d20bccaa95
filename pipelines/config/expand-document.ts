/**
 * `${VAR}` in every value of a parsed configuration file. Expansion works on the parsed scalars,
 * not on the file's text: line numbers and JSON pointers stay those of the file, and a value
 * holding YAML syntax (`[a, b]`, `x: y`, a newline) stays one string. Keys are not expanded.
 */
import type { ConfigProblem } from './config-error.js';
import { EnvInterpolator } from './interpolate-env.js';
import { joinPointer, type LocatedDocument } from './yaml-document.js';

export interface ExpandedDocument extends LocatedDocument {
  /** One problem per value that could not be expanded (a variable not set, a cycle), at its line. */
  readonly problems: readonly ConfigProblem[];
  /** The value at `pointer` (or the one it lies in) could not be expanded: other problems there follow from that one. */
  failedAt(pointer: string): boolean;
  /** The value at `pointer` came out of `${…}` expansion (it is text that the schema may type). */
  isExpanded(pointer: string): boolean;
  variablesIn(pointer: string): readonly string[];
}

/** A copy of the document with every string value expanded; the original is left as it was. */
export function expandDocument(document: LocatedDocument, interpolator: EnvInterpolator): ExpandedDocument {
  const expanded = new Map<string, readonly string[]>();
  const failed = new Set<string>();
  const problems: ConfigProblem[] = [];

  const copy = (value: unknown, pointer: string): unknown => {
    if (typeof value === 'string') {
      if (!EnvInterpolator.mentions(value)) return value;
      const result = interpolator.expand(value);
      if (!result.ok) {
        failed.add(pointer);
        problems.push(document.problem(pointer, result.message));
        return value;
      }
      expanded.set(pointer, result.used);
      return result.text;
    }
    if (Array.isArray(value)) return value.map((item, index) => copy(item, `${pointer}${joinPointer(index)}`));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        // defineProperty: a key `__proto__` is a key like any other, not the prototype.
        Object.defineProperty(out, key, { value: copy(item, `${pointer}${joinPointer(key)}`), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return value;
  };

  const value = copy(document.value, '');
  const within = (pointer: string, inner: string) => pointer === '' || inner === pointer || inner.startsWith(`${pointer}/`);
  return {
    file: document.file,
    value,
    locate: document.locate,
    problem: document.problem,
    problems,
    failedAt: (pointer) => [...failed].some((outer) => within(outer, pointer)),
    isExpanded: (pointer) => expanded.has(pointer),
    variablesIn: (pointer) => [...new Set([...expanded].filter(([inner]) => within(pointer, inner)).flatMap(([, used]) => used))],
  };
}

/**
 * Turns ajv's errors into messages a data engineer can act on. ajv reports every failed branch of
 * a `oneOf`; people want one sentence per mistake, at the line where they made it.
 */
import type { ErrorObject } from 'ajv';
import { describeValue, type ConfigProblem } from './config-error.js';
import { joinPointer, splitPointer, type LocatedDocument } from './yaml-document.js';

export function explainSchemaErrors(errors: readonly ErrorObject[], document: LocatedDocument): ConfigProblem[] {
  const byPath = new Map<string, ErrorObject[]>();
  for (const error of errors) {
    const group = byPath.get(error.instancePath) ?? [];
    group.push(error);
    byPath.set(error.instancePath, group);
  }
  const paths = [...byPath.keys()];
  const problems: ConfigProblem[] = [];
  for (const [path, group] of byPath) {
    const hasDeeper = paths.some((other) => other.startsWith(`${path}/`));
    problems.push(...explainGroup(path, group, hasDeeper, document));
  }
  return dedupe(problems).sort((a, b) => a.line - b.line || a.column - b.column);
}

function explainGroup(path: string, group: ErrorObject[], hasDeeper: boolean, document: LocatedDocument): ConfigProblem[] {
  const data = valueAt(document.value, path);
  const alternatives = group.find((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const problems: ConfigProblem[] = [];

  if (alternatives) {
    const branches = (Array.isArray(alternatives.schema) ? alternatives.schema : []) as Record<string, unknown>[];
    const exclusive = branches.map((branch) => (Array.isArray(branch.required) ? (branch.required as string[]) : [])).flat();
    if (exclusive.length > 0 && branches.every((branch) => Array.isArray(branch.required))) {
      const present = exclusive.filter((name) => data !== null && typeof data === 'object' && name in (data as object));
      const names = [...new Set(exclusive)].map((n) => `\`${n}\``).join(', ');
      const message = present.length > 1 ? `has ${present.map((n) => `\`${n}\``).join(' and ')}; use exactly one of ${names}` : `needs exactly one of ${names}`;
      return [document.problem(path, message)];
    }
    const types = group.filter((e) => e.keyword === 'type').map((e) => String(e.params.type));
    if (types.length > 0) {
      return [document.problem(path, `must be ${types.map(article).join(' or ')} (got ${found(document, path, data)})`)];
    }
    if (hasDeeper) return [];
    return [document.problem(path, `does not match any allowed form (got ${found(document, path, data)})`)];
  }

  for (const error of group) problems.push(explainOne(path, error, data, document));
  return problems;
}

function explainOne(path: string, error: ErrorObject, data: unknown, document: LocatedDocument): ConfigProblem {
  switch (error.keyword) {
    case 'required':
      return document.problem(path, `missing required property \`${String(error.params.missingProperty)}\``);
    case 'additionalProperties': {
      const property = String(error.params.additionalProperty);
      const allowed = Object.keys((error.parentSchema?.properties as object | undefined) ?? {}).filter((k) => k !== '$schema');
      const suggestion = closest(property, allowed);
      const hint = suggestion ? `; did you mean \`${suggestion}\`?` : allowed.length > 0 ? `; allowed here: ${allowed.join(', ')}` : '';
      return document.problem(`${path}${joinPointer(property)}`, `unknown property \`${property}\`${hint}`);
    }
    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[]).map((v) => String(v)).join(', ');
      return document.problem(path, `must be one of: ${allowed} (got ${found(document, path, data)})`);
    }
    case 'type':
      return document.problem(path, `must be ${article(String(error.params.type))} (got ${found(document, path, data)})`);
    case 'propertyNames':
      return document.problem(path, `has an invalid name (${error.message ?? 'see the schema'})`);
    case 'pattern':
      return document.problem(path, `must match ${String(error.params.pattern)} (got ${found(document, path, data)})`);
    default:
      return document.problem(path, `${error.message ?? error.keyword} (got ${found(document, path, data)})`);
  }
}

/**
 * What was found at `path`, for "(got …)": the value itself, or, when it came from environment
 * variables, their names: a message never quotes what may be a secret.
 */
function found(document: LocatedDocument, path: string, data: unknown): string {
  const variables = document.variablesIn?.(path) ?? [];
  if (variables.length === 0) return describeValue(data);
  const kind = typeof data === 'string' ? 'text' : Array.isArray(data) ? 'a list' : data !== null && typeof data === 'object' ? 'an object' : typeof data;
  return `${kind} from ${variables.map((v) => `\`${v}\``).join(', ')}`;
}

function article(type: string): string {
  const words: Record<string, string> = { string: 'a string', number: 'a number', integer: 'an integer', boolean: 'true or false', object: 'an object', array: 'a list', null: 'null' };
  return type.split(',').map((t) => words[t] ?? t).join(' or ');
}

export function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const segment of splitPointer(pointer)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** The allowed name within edit distance 2, for "did you mean". */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.pointer}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Every problem found in a project's configuration, reported together (STYLE 5). */
import { redactUrl } from '../../connectors/connection-url.js';

export interface ConfigProblem {
  /** File the problem is in, as the user wrote or would find it. */
  readonly file: string;
  /** 1-based; 0 when unknown. */
  readonly line: number;
  readonly column: number;
  /** JSON pointer inside the file's document: `/fields/email/transforms/1`. */
  readonly pointer: string;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(formatProblems(problems));
    this.problems = problems;
  }
}

export function formatProblem(problem: ConfigProblem): string {
  const where = problem.line > 0 ? `${problem.file}:${problem.line}:${problem.column}` : problem.file;
  // A message may quote a configuration value; a URL in it keeps no password.
  return `${where}  ${problem.pointer || '/'}  ${redactUrl(problem.message)}`;
}

function formatProblems(problems: readonly ConfigProblem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return `Configuration is invalid (${count}); nothing was run:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`;
}

/** Quotes a value for a message: `'abc'`, `5 (number)`, `null`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  // Redacted before it is cut short: a cut could fall inside a password and hide the `@` that ends it.
  if (typeof value === 'string') return `'${shorten(redactUrl(value))}'`;
  if (typeof value === 'object') {
    const text = redactUrl(JSON.stringify(value));
    return `${Array.isArray(value) ? 'a list' : 'an object'} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
  }
  return `${String(value)} (${typeof value})`;
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The optional `.env` file beside cutover.yaml: `KEY=VALUE` lines that `${KEY}` may name, under
 * the process environment (a variable set there wins). It usually holds passwords: it must not be
 * committed, and no message quotes a line of it.
 *
 * ```sh
 * # comment
 * export LEGACY_PASSWORD='s3cr%2Ft'     # `export ` is allowed, as in a shell
 * LEGACY_URL=mysql://migrator:${LEGACY_PASSWORD}@legacy-db:3306/legacy_crm
 * GREETING="two\nlines"                  # double quotes: \n \r \t \" \\ escapes
 * ```
 */
import { readFile, stat } from 'node:fs/promises';
import type { ConfigProblem } from './config-error.js';
import { YAML_LIMITS } from './yaml-document.js';

export const DOT_ENV_FILE = '.env';

const ASSIGNMENT = /^(export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*/;

/**
 * The variables of the `.env` file at `file`: empty when there is none, or every malformed line
 * as a problem with its line and column (never its text: a line may hold a password).
 */
export async function readDotEnv(file: string, displayName = file): Promise<Record<string, string> | ConfigProblem[]> {
  const unreadable = (message: string): ConfigProblem[] => [{ file: displayName, line: 0, column: 0, pointer: '', message }];
  let text: string;
  try {
    const info = await stat(file);
    if (info.isDirectory()) return unreadable('this is a folder, not a file of KEY=VALUE lines');
    if (info.size > YAML_LIMITS.maxBytes) return unreadable(`the file is ${info.size} bytes, more than a .env file may hold (${YAML_LIMITS.maxBytes}); is it the right file?`);
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    return unreadable(code === 'EACCES' || code === 'EPERM' ? 'cannot read the file: permission denied; make it readable for the user running cutover' : `cannot read the file: ${(error as Error).message}`);
  }
  return parseDotEnv(text, displayName);
}

export function parseDotEnv(text: string, file: string): Record<string, string> | ConfigProblem[] {
  const variables: Record<string, string> = {};
  const problems: ConfigProblem[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    const parsed = parseLine(line);
    if (parsed === null) continue;
    if ('problem' in parsed) {
      problems.push({ file, line: index + 1, column: parsed.column, pointer: '', message: parsed.problem });
      continue;
    }
    // Like a shell: the last assignment wins.
    variables[parsed.name] = parsed.value;
  }
  return problems.length > 0 ? problems : variables;
}

type ParsedLine = { name: string; value: string } | { problem: string; column: number } | null;

function parseLine(line: string): ParsedLine {
  const content = line.trimStart();
  const indent = line.length - content.length;
  if (content === '' || content.startsWith('#')) return null;
  const assignment = ASSIGNMENT.exec(content);
  if (!assignment) {
    const name = /^(?:export[ \t]+)?([^=\s]*)/.exec(content)![1]!;
    const problem = !content.includes('=')
      ? 'expected KEY=VALUE (this line has no `=`)'
      : /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || name === ''
        ? 'expected KEY=VALUE with no space inside the name'
        : 'expected KEY=VALUE, with a name of letters, digits and _ that does not start with a digit';
    return { problem, column: indent + 1 };
  }
  const name = assignment[2]!;
  const start = indent + assignment[0].length;
  const rest = line.slice(start);
  const quote = rest[0];
  if (quote !== '"' && quote !== "'") {
    // Unquoted: up to a ` #` comment, trimmed.
    const comment = rest.search(/[ \t]#/);
    return { name, value: (comment < 0 ? rest : rest.slice(0, comment)).trim() };
  }
  let value = '';
  for (let i = 1; i < rest.length; i++) {
    const c = rest[i]!;
    if (c === quote) {
      const after = rest.slice(i + 1);
      if (after.trim() !== '' && !/^[ \t]+#/.test(after)) {
        return { problem: `text after the closing ${quote === '"' ? 'double' : 'single'} quote of \`${name}\`; put the whole value inside the quotes, or a space before a # comment`, column: start + i + 2 };
      }
      return { name, value };
    }
    if (quote === '"' && c === '\\' && i + 1 < rest.length) {
      const next = rest[++i]!;
      value += ESCAPES[next] ?? `\\${next}`;
      continue;
    }
    value += c;
  }
  return { problem: `the ${quote === '"' ? 'double' : 'single'} quote opened for \`${name}\` is not closed on its line (values are one line; write a line break as \\n inside double quotes)`, column: start + 1 };
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

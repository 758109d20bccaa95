/**
 * YAML (and JSON, which YAML parses) with positions: a JSON pointer into the document becomes the
 * `line:column` a person opens in an editor.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ConfigProblem } from './config-error.js';

export interface LocatedDocument {
  readonly file: string;
  readonly value: unknown;
  /** Where the node at `pointer` starts; for a missing node, where its nearest parent starts. */
  locate(pointer: string): { line: number; column: number };
  /** A problem at `pointer`, located. */
  problem(pointer: string, message: string): ConfigProblem;
  /**
   * The environment variables whose values went into the values at or below `pointer`: a message
   * names them instead of quoting what may be a secret. Absent before expansion.
   */
  variablesIn?(pointer: string): readonly string[];
}

/**
 * Limits on a configuration file, far above any real project file, so that a hostile or broken
 * one (a YAML alias bomb, a generated megabyte of brackets) is refused with its position instead
 * of exhausting memory or the stack.
 */
export const YAML_LIMITS = {
  /** Bytes of one file. */
  maxBytes: 1024 * 1024,
  /** Nested maps and lists. */
  maxDepth: 64,
  /** Nodes that aliases (`*name`) may expand to, in all, as the yaml library counts them. */
  maxAliasCount: 100,
} as const;

/** Reads and parses a file; syntax errors come back as problems with their positions. */
export async function readLocatedDocument(file: string, displayName = file): Promise<LocatedDocument | ConfigProblem[]> {
  const unreadable = (message: string): ConfigProblem[] => [{ file: displayName, line: 0, column: 0, pointer: '', message }];
  let text: string;
  try {
    const info = await stat(file);
    if (info.isDirectory()) return unreadable('this is a folder, not a file');
    if (info.size > YAML_LIMITS.maxBytes) return unreadable(`the file is ${info.size} bytes, more than a configuration file may hold (${YAML_LIMITS.maxBytes}); is it the right file?`);
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return unreadable(
      code === 'ENOENT' ? 'file not found' :
      code === 'EACCES' || code === 'EPERM' ? 'cannot read the file: permission denied; make it readable for the user running cutover' :
      `cannot read the file: ${(error as Error).message}`,
    );
  }
  return parseLocatedDocument(text, displayName);
}

export function parseLocatedDocument(text: string, file: string): LocatedDocument | ConfigProblem[] {
  // The parser recurses per level, and a line of 20 000 `- ` crashes the process outright: the
  // depth is checked on the text first, in one pass.
  const tooDeep = nestingBeyond(text, YAML_LIMITS.maxDepth);
  if (tooDeep !== undefined) {
    const position = new LineCounter();
    position.addNewLine(0);
    for (let offset = text.indexOf('\n'); offset >= 0 && offset < tooDeep; offset = text.indexOf('\n', offset + 1)) position.addNewLine(offset + 1);
    const { line, col } = position.linePos(tooDeep);
    return [{ file, line, column: col, pointer: '', message: `nesting too deep (more than ${YAML_LIMITS.maxDepth} levels of maps and lists)` }];
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const [error, ...more] = document.errors;
  if (error) {
    // After the first syntax error the parser's view of the rest is guesswork: one unclosed `[`
    // yields an error per following line. The first is the one to fix.
    const position = lineCounter.linePos(error.pos[0]);
    const rest = more.length > 0 ? ` (the parser reports ${more.length} more error${more.length > 1 ? 's' : ''} after it, usually caused by this one)` : '';
    // The parser recurses per level: a deep enough nesting overflows the stack before our limit is checked.
    const message = /call stack/i.test(error.message) ? `nesting too deep (more than ${YAML_LIMITS.maxDepth} levels of maps and lists)` : `YAML syntax: ${firstLine(error.message)}${rest}`;
    return [{ file, line: position.line, column: position.col, pointer: '', message }];
  }
  const at = (node: Node, message: string): ConfigProblem[] => {
    const position = lineCounter.linePos(node.range?.[0] ?? 0);
    return [{ file, line: position.line, column: position.col, pointer: '', message }];
  };
  const deep = deeperThan(document.contents, YAML_LIMITS.maxDepth);
  if (deep) return at(deep, `nesting too deep (more than ${YAML_LIMITS.maxDepth} levels of maps and lists)`);
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
  } catch (error) {
    // yaml throws a ReferenceError when aliases expand past the count: the "billion laughs".
    if (!(error instanceof ReferenceError)) throw error;
    const alias = firstAlias(document.contents);
    return at(alias ?? (document.contents as Node), `YAML aliases expand to too many nodes (more than ${YAML_LIMITS.maxAliasCount}); write the values out instead of nesting aliases of aliases`);
  }
  const locate = (pointer: string) => {
    const offset = offsetOf(document, pointer);
    const position = lineCounter.linePos(offset);
    return { line: position.line, column: position.col };
  };
  return {
    file,
    value,
    locate,
    problem: (pointer, message) => ({ file, ...locate(pointer), pointer, message }),
  };
}

/**
 * Where the text nests deeper than `limit` by what costs the parser a level for a byte or two:
 * flow brackets (`[[[`, `{a: {b:`), outside quotes and comments, and block indicators opening
 * collections on one line (`- - - x`). Block nesting by indentation costs its square in bytes,
 * which the file size bounds. Undefined when the text stays within the limit.
 */
export function nestingBeyond(text: string, limit: number): number | undefined {
  let flow = 0;
  let quote: string | null = null;
  let lineStart = true;
  let indicators = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== null) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = text[i + 1] === "'" && quote === "'" ? (i++, quote) : null;
      continue;
    }
    if (c === '\n') {
      lineStart = true;
      indicators = 0;
      continue;
    }
    const before = i === 0 ? '\n' : text[i - 1]!;
    if (c === '#' && /\s/.test(before)) {
      const end = text.indexOf('\n', i);
      if (end < 0) break;
      i = end - 1;
      continue;
    }
    if (lineStart) {
      if (c === ' ' || c === '\t') continue;
      if ((c === '-' || c === '?' || c === ':') && /[ \t\n]/.test(text[i + 1] ?? '\n')) {
        if (++indicators > limit) return i;
        continue;
      }
      lineStart = false;
    }
    if ((c === '"' || c === "'") && /[\s[{,:]/.test(before)) quote = c;
    else if (c === '[' || c === '{') {
      if (++flow > limit) return i;
    } else if ((c === ']' || c === '}') && flow > 0) flow--;
  }
  return undefined;
}

/** The first collection nested deeper than `limit`, found without recursion. */
function deeperThan(root: unknown, limit: number): Node | undefined {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (!isCollection(node)) continue;
    if (depth > limit) return node;
    for (const item of node.items) {
      if (isPair(item)) stack.push([item.key, depth + 1], [item.value, depth + 1]);
      else stack.push([item, depth + 1]);
    }
  }
  return undefined;
}

/** The first alias (`*name`) in document order. */
function firstAlias(root: unknown): Node | undefined {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.shift();
    if (isAlias(node)) return node;
    if (isCollection(node)) for (const item of node.items) stack.push(...(isPair(item) ? [item.key, item.value] : [item]));
  }
  return undefined;
}

function offsetOf(document: Document, pointer: string): number {
  let node: unknown = document.contents;
  let offset = rangeStart(node) ?? 0;
  for (const segment of splitPointer(pointer)) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === segment);
      if (!pair) break;
      // Point at the key: that is the line where a person reads the property.
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
      if (pair.value !== null && !isMap(pair.value) && !isSeq(pair.value)) offset = rangeStart(pair.value) ?? offset;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) break;
      node = item;
      offset = rangeStart(item) ?? offset;
    } else {
      break;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null)?.range;
  return range ? range[0] : undefined;
}

export function splitPointer(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

export function joinPointer(...segments: readonly (string | number)[]): string {
  return segments.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

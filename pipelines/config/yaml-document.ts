/**
 * YAML (and JSON, which YAML parses) with positions: a JSON pointer into the document becomes the
 * `line:column` a person opens in an editor.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ConfigProblem } from './config-error.js';

export interface LocatedDocument {
  readonly file: string;
  readonly value: unknown;
  /** Where the node at `pointer` starts; for a missing node, where its nearest parent starts. */
  locate(pointer: string): { line: number; column: number };
  /** A problem at `pointer`, located. */
  problem(pointer: string, message: string): ConfigProblem;
}

/** Reads and parses a file; syntax errors come back as problems with their positions. */
export async function readLocatedDocument(file: string, displayName = file): Promise<LocatedDocument | ConfigProblem[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `cannot read file: ${(error as Error).message}`;
    return [{ file: displayName, line: 0, column: 0, pointer: '', message: reason }];
  }
  return parseLocatedDocument(text, displayName);
}

export function parseLocatedDocument(text: string, file: string): LocatedDocument | ConfigProblem[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const [error, ...more] = document.errors;
  if (error) {
    // After the first syntax error the parser's view of the rest is guesswork: one unclosed `[`
    // yields an error per following line. The first is the one to fix.
    const position = lineCounter.linePos(error.pos[0]);
    const rest = more.length > 0 ? ` (the parser reports ${more.length} more error${more.length > 1 ? 's' : ''} after it, usually caused by this one)` : '';
    return [{ file, line: position.line, column: position.col, pointer: '', message: `YAML syntax: ${firstLine(error.message)}${rest}` }];
  }
  const value: unknown = document.toJS({ maxAliasCount: 100 });
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

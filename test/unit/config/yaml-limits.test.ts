/**
 * A configuration file that would exhaust the parser (an alias bomb, nesting deeper than the
 * stack, megabytes of text) is one located problem, not a crash.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigProblem } from '../../../pipelines/config/config-error.js';
import { parseLocatedDocument, readLocatedDocument, YAML_LIMITS } from '../../../pipelines/config/yaml-document.js';

const BOMB = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`)].join('\n');

function problemOf(text: string): ConfigProblem {
  const parsed = parseLocatedDocument(text, 'cutover.yaml');
  expect(Array.isArray(parsed), 'a problem, not a document').toBe(true);
  expect(parsed).toHaveLength(1);
  return (parsed as ConfigProblem[])[0]!;
}

describe('YAML resource limits', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cutover-yaml-limits-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses an alias bomb at the first alias', () => {
    expect(problemOf(`name: x\n${BOMB}\n`)).toMatchObject({ line: 3, message: expect.stringMatching(/^YAML aliases expand to too many nodes \(more than 100\)/) });
  });

  it('keeps a few aliases', () => {
    const parsed = parseLocatedDocument('base: &t [trim, upper]\nname: { transforms: *t }\n', 'm.yaml');
    expect(Array.isArray(parsed)).toBe(false);
  });

  it.each([
    ['flow', `deep: ${'['.repeat(YAML_LIMITS.maxDepth + 5)}${']'.repeat(YAML_LIMITS.maxDepth + 5)}\n`],
    ['block', Array.from({ length: YAML_LIMITS.maxDepth + 5 }, (_, i) => `${'  '.repeat(i)}k${i}:\n`).join('') + `${'  '.repeat(YAML_LIMITS.maxDepth + 5)}v\n`],
    ['flow, deeper than the stack', `deep: ${'['.repeat(500_000)}${']'.repeat(500_000)}\n`],
    ['one line of block sequences', `x:\n  ${'- '.repeat(20_000)}v\n`],
  ])('refuses %s nesting deeper than the limit, with its line', (_kind, text) => {
    const problem = problemOf(text);
    expect(problem.message).toMatch(/^nesting too deep \(more than 64 levels of maps and lists\)$/);
    expect(problem.line).toBeGreaterThan(0);
  });

  it('keeps nesting up to the limit', () => {
    const depth = YAML_LIMITS.maxDepth - 1;
    expect(Array.isArray(parseLocatedDocument(`deep: ${'['.repeat(depth)}${']'.repeat(depth)}\n`, 'm.yaml'))).toBe(false);
  });

  it('refuses a file larger than a configuration file may be, without parsing it', async () => {
    const file = path.join(dir, 'big.yaml');
    await writeFile(file, `# ${'x'.repeat(YAML_LIMITS.maxBytes)}\n`);
    expect(await readLocatedDocument(file, 'big.yaml')).toEqual([
      { file: 'big.yaml', line: 0, column: 0, pointer: '', message: expect.stringMatching(/^the file is \d+ bytes, more than a configuration file may hold \(1048576\)/) },
    ]);
  });
});

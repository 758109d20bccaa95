/**
 * scripts/check-import-cycles.ts: it finds the cycles of a small folder written for the purpose
 * (so that the check can fail), and none in pipelines/.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packagePath } from '../../pipelines/package-root.js';
import { findImportCycles, formatImportCycles, importSpecifiers } from '../../scripts/check-import-cycles.js';

/** The fixture: a → b → c → a and b ⇄ d with values, e ⇢ f ⇢ e by types only, and files that must not knot anything. */
const FIXTURE: Readonly<Record<string, string>> = {
  'a.ts': `import { b } from './b.js';\nexport const a = () => b();\n`,
  'b.ts': `import { c } from './c.js';\nimport { d } from './d.js';\nexport const b = () => c() + d();\n`,
  'c.ts': `export { a as c } from './a.js';\n`,
  'd.ts': `import { type B } from './types/b-type.js';\nimport { b } from './b.js';\nexport const d = (): B => b;\n`,
  'types/b-type.ts': `export type B = unknown;\n`,
  'types/e.ts': `import type { F } from './f.js';\nexport type E = { f?: F };\n`,
  'types/f.ts': `export type { E as F } from './e.js';\n`,
  // Not edges: a comment, a string, a dynamic import, a package, a file outside the folder.
  'lazy.ts': [
    `// import { a } from './a.js';`,
    `const text = "import { a } from './a.js'";`,
    `import path from 'node:path';`,
    `import { outside } from '../outside.js';`,
    `export const lazy = async () => (await import('./a.js')).a;`,
    '',
  ].join('\n'),
  'uses-lazy.ts': `import { lazy } from './lazy.js';\nimport './a.js';\nexport const z = lazy;\n`,
  'folder/index.ts': `import { x } from '../by-index.js';\nexport const y = x;\n`,
  'by-index.ts': `import { y } from './folder/index.js';\nimport { y as again } from './folder';\nexport const x = y ?? again;\n`,
};

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'cutover-cycles-'));
  for (const [file, text] of Object.entries(FIXTURE)) {
    await mkdir(path.dirname(path.join(root, 'src', file)), { recursive: true });
    await writeFile(path.join(root, 'src', file), text);
  }
  await writeFile(path.join(root, 'outside.ts'), `import { lazy } from './src/lazy.js';\nexport const outside = lazy;\n`);
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('findImportCycles on a folder with cycles', () => {
  it('lists every cycle once, from its first file, with type-only edges marked', async () => {
    const report = await findImportCycles(path.join(root, 'src'));
    expect(report.files).toBe(Object.keys(FIXTURE).length);
    expect(report.cycles.map((cycle) => cycle.files)).toEqual([
      ['a.ts', 'b.ts', 'c.ts'],
      ['b.ts', 'd.ts'],
      ['by-index.ts', 'folder/index.ts'],
      ['types/e.ts', 'types/f.ts'],
    ]);
    expect(report.knots).toEqual([['a.ts', 'b.ts', 'c.ts', 'd.ts'], ['by-index.ts', 'folder/index.ts'], ['types/e.ts', 'types/f.ts']]);
    expect(report.truncated).toBe(false);
    const typeOnly = report.cycles.map((cycle) => cycle.edges.map((edge) => edge.typeOnly));
    expect(typeOnly).toEqual([[false, false, false], [false, false], [false, false], [true, true]]);
  });

  it('prints one line a cycle, and the reason a type-only one counts', async () => {
    const text = formatImportCycles(await findImportCycles(path.join(root, 'src')), 'src');
    expect(text).toBe(
      [
        'src/: 4 import cycles among 11 files (8 files in 3 knots)',
        '  a.ts → b.ts → c.ts → a.ts',
        '  b.ts → d.ts → b.ts',
        '  by-index.ts → folder/index.ts → by-index.ts',
        '  types/e.ts ⇢ types/f.ts ⇢ types/e.ts',
        '⇢ is an `import type` or `export type … from`: it loads nothing, but it still ties the two files together',
        '',
      ].join('\n'),
    );
  });

  it('stops at maxCycles and says so', async () => {
    const report = await findImportCycles(path.join(root, 'src'), { maxCycles: 2 });
    expect(report.cycles).toHaveLength(2);
    expect(report.truncated).toBe(true);
    expect(formatImportCycles(report, 'src')).toMatch(/^src\/: more than 2 import cycles among 11 files/);
  });

  it('finds every cycle of a dense knot: 5 files each importing all the others', async () => {
    const dense = path.join(root, 'dense');
    await mkdir(dense);
    const names = ['p', 'q', 'r', 's', 't'];
    for (const name of names) {
      const imports = names.filter((other) => other !== name).map((other) => `import './${other}.js';`);
      await writeFile(path.join(dense, `${name}.ts`), `${imports.join('\n')}\nexport {};\n`);
    }
    const report = await findImportCycles(dense);
    // Elementary cycles of the complete digraph on 5 vertices: sum over k = 2..5 of C(5,k)·(k-1)!.
    expect(report.cycles).toHaveLength(10 + 20 + 30 + 24);
    expect(new Set(report.cycles.map((cycle) => cycle.files.join(' '))).size).toBe(84);
  });
});

describe('importSpecifiers', () => {
  it('takes `import { type A }` for an import that loads (verbatimModuleSyntax emits `import {}`), `import type` for one that does not', () => {
    expect(importSpecifiers('x.ts', `import { type A } from './a.js';\nimport type { B } from './b.js';\nexport type { C } from './c.js';\nexport * from './d.js';\n`)).toEqual([
      { specifier: './a.js', typeOnly: false },
      { specifier: './b.js', typeOnly: true },
      { specifier: './c.js', typeOnly: true },
      { specifier: './d.js', typeOnly: false },
    ]);
  });
});

describe('pipelines/', () => {
  // Fails until the cycles of pipelines/runner are cut (process-batch, dedupe-write and
  // write-api-batch; deletions and api-deletions): the message lists each one that is left.
  it('has no import cycle, type-only ones included', async () => {
    const report = await findImportCycles(packagePath('pipelines'));
    expect(report.files).toBeGreaterThan(50);
    expect(formatImportCycles(report, 'pipelines')).toBe(`pipelines/: no import cycle among ${report.files} files\n`);
  });
});

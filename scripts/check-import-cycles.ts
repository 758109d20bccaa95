/**
 * `node dist/scripts/check-import-cycles.js [FOLDER]`: every import cycle among the TypeScript
 * files under FOLDER (default: the package's `pipelines/`), exit 1 when there is one, 0 when there
 * is none, 2 when it cannot run.
 *
 * An edge is a relative `import … from`, `import '…'` or `export … from` specifier, read with the
 * TypeScript parser (so that one in a comment or a string is not taken for one), resolved from
 * `./x.js` to `./x.ts` (or `./x/index.ts`). Imports of packages and of files outside FOLDER are
 * not edges: a cycle is among the files under FOLDER. A dynamic `import()` is not one either: it
 * loads when it runs, after both modules have, which is how a cycle is broken on purpose.
 *
 * Type-only imports (`import type`, `export type … from`) are edges too, marked ⇢. Such a cycle
 * loads without harm, since the compiler erases it, but it still knots the design: neither file
 * can be understood, moved or tested without the other, and one value import added later turns it
 * into a cycle that loads a module half-initialised. With `verbatimModuleSyntax` (tsconfig.json),
 * `import { type A } from` is not type-only: it is emitted as `import {} from`, which loads.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { packagePath } from '../pipelines/package-root.js';

/** One import between two files of the folder, paths relative to it with `/`. */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  /** Every import of `to` in `from` is `import type` / `export type`: erased, it loads nothing. */
  readonly typeOnly: boolean;
}

/** An elementary cycle: `files[0]` imports `files[1]` … and the last imports `files[0]`. */
export interface ImportCycle {
  readonly files: readonly string[];
  /** The edges in order, the last one back to `files[0]`. */
  readonly edges: readonly ImportEdge[];
}

export interface ImportCycleReport {
  readonly folder: string;
  /** Files read. */
  readonly files: number;
  /** Groups of files each of which reaches every other one (strongly connected, two or more files, or one that imports itself). */
  readonly knots: readonly (readonly string[])[];
  readonly cycles: readonly ImportCycle[];
  /** More cycles exist than `maxCycles`: the list stops there. */
  readonly truncated: boolean;
}

export interface FindImportCyclesOptions {
  /** Stop listing after this many cycles (a dense knot has exponentially many). @default 1000 */
  readonly maxCycles?: number;
}

const SOURCE_FILE = /\.(?:ts|tsx|mts|cts)$/;
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist']);

/** Reads every TypeScript file under `folder` and lists the import cycles among them. */
export async function findImportCycles(folder: string, options: FindImportCyclesOptions = {}): Promise<ImportCycleReport> {
  const maxCycles = options.maxCycles ?? 1000;
  if (!Number.isInteger(maxCycles) || maxCycles < 1) throw new RangeError(`Expected \`maxCycles\` to be an integer ≥ 1, got \`${maxCycles}\` (${typeof maxCycles})`);
  const files = (await listSourceFiles(folder)).sort();
  const known = new Set(files);
  const edges = new Map<string, Map<string, boolean>>();
  for (const file of files) {
    const text = await readFile(path.join(folder, file), 'utf8');
    const targets = new Map<string, boolean>();
    for (const { specifier, typeOnly } of importSpecifiers(file, text)) {
      const target = resolveSpecifier(file, specifier, known);
      if (target === null) continue;
      // One value import of a file makes the edge a loading one, whatever else is type-only.
      targets.set(target, (targets.get(target) ?? true) && typeOnly);
    }
    edges.set(file, targets);
  }
  const graph = new ImportGraph(files, edges);
  const knots = graph.knots();
  const { cycles, truncated } = graph.cycles(knots, maxCycles);
  return { folder, files: files.length, knots, cycles, truncated };
}

/** The relative specifiers a file imports or re-exports from, and whether each is type-only. */
export function importSpecifiers(fileName: string, text: string): { specifier: string; typeOnly: boolean }[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const found: { specifier: string; typeOnly: boolean }[] = [];
  for (const statement of source.statements) {
    let specifier: ts.Expression | undefined;
    let typeOnly = false;
    if (ts.isImportDeclaration(statement)) {
      specifier = statement.moduleSpecifier;
      typeOnly = statement.importClause?.isTypeOnly ?? false;
    } else if (ts.isExportDeclaration(statement)) {
      specifier = statement.moduleSpecifier;
      typeOnly = statement.isTypeOnly;
    }
    if (specifier && ts.isStringLiteral(specifier) && specifier.text.startsWith('.')) found.push({ specifier: specifier.text, typeOnly });
  }
  return found;
}

/** The file of the folder a relative specifier names, or null (outside the folder, or no such file). */
function resolveSpecifier(from: string, specifier: string, known: ReadonlySet<string>): string | null {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  const stem = base.replace(/\.(?:[mc]?js|jsx)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, `${stem}.cts`, `${base}/index.ts`];
  return candidates.find((candidate) => known.has(candidate)) ?? null;
}

async function listSourceFiles(folder: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(folder, prefix), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name) && !entry.name.startsWith('.')) files.push(...(await listSourceFiles(folder, relative)));
    } else if (entry.isFile() && SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      files.push(relative);
    }
  }
  return files;
}

/** Files as numbers (in sorted order), edges as adjacency lists. */
class ImportGraph {
  readonly #files: readonly string[];
  readonly #next: readonly (readonly number[])[];
  readonly #typeOnly: ReadonlyMap<string, boolean>;

  constructor(files: readonly string[], edges: ReadonlyMap<string, ReadonlyMap<string, boolean>>) {
    this.#files = files;
    const index = new Map(files.map((file, i) => [file, i]));
    this.#next = files.map((file) => [...(edges.get(file)?.keys() ?? [])].map((target) => index.get(target)!).sort((a, b) => a - b));
    const typeOnly = new Map<string, boolean>();
    for (const [from, targets] of edges) for (const [to, only] of targets) typeOnly.set(`${from}\0${to}`, only);
    this.#typeOnly = typeOnly;
  }

  /** Strongly connected components that hold a cycle (Tarjan), each sorted, in order of their first file. */
  knots(): string[][] {
    const order = new Array<number>(this.#files.length).fill(-1);
    const low = new Array<number>(this.#files.length).fill(0);
    const onStack = new Array<boolean>(this.#files.length).fill(false);
    const stack: number[] = [];
    const found: number[][] = [];
    let counter = 0;
    const visit = (v: number) => {
      order[v] = low[v] = counter++;
      stack.push(v);
      onStack[v] = true;
      for (const w of this.#next[v]!) {
        if (order[w] === -1) {
          visit(w);
          low[v] = Math.min(low[v]!, low[w]!);
        } else if (onStack[w]) low[v] = Math.min(low[v]!, order[w]!);
      }
      if (low[v] !== order[v]) return;
      const component: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack[w] = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || this.#next[v]!.includes(v)) found.push(component.sort((a, b) => a - b));
    };
    for (let v = 0; v < this.#files.length; v++) if (order[v] === -1) visit(v);
    return found.sort((a, b) => a[0]! - b[0]!).map((component) => component.map((v) => this.#files[v]!));
  }

  /**
   * Every elementary cycle within the knots (Johnson's algorithm: each cycle is found once, from
   * its first file in sorted order, in time linear in the number of cycles), up to `max`.
   */
  cycles(knots: readonly (readonly string[])[], max: number): { cycles: ImportCycle[]; truncated: boolean } {
    const index = new Map(this.#files.map((file, i) => [file, i]));
    const cycles: ImportCycle[] = [];
    let truncated = false;
    for (const knot of knots) {
      const members = knot.map((file) => index.get(file)!);
      for (const start of members) {
        // Cycles through `start` among the knot's files from `start` on; those through earlier files were found from them.
        const allowed = new Set(members.filter((v) => v >= start));
        const blocked = new Set<number>();
        const blockers = new Map<number, Set<number>>();
        const trail: number[] = [];
        const unblock = (u: number) => {
          blocked.delete(u);
          for (const w of blockers.get(u) ?? []) if (blocked.has(w)) unblock(w);
          blockers.delete(u);
        };
        const circuit = (v: number): boolean => {
          let closed = false;
          trail.push(v);
          blocked.add(v);
          for (const w of this.#next[v]!) {
            if (truncated || !allowed.has(w)) continue;
            if (w === start) {
              if (cycles.length === max) truncated = true;
              else cycles.push(this.#cycle(trail));
              closed = true;
            } else if (!blocked.has(w) && circuit(w)) closed = true;
          }
          if (closed) unblock(v);
          else for (const w of this.#next[v]!) if (allowed.has(w)) (blockers.get(w) ?? blockers.set(w, new Set()).get(w)!).add(v);
          trail.pop();
          return closed;
        };
        circuit(start);
        if (truncated) return { cycles, truncated };
      }
    }
    return { cycles, truncated };
  }

  #cycle(trail: readonly number[]): ImportCycle {
    const files = trail.map((v) => this.#files[v]!);
    const edges = files.map((from, i) => {
      const to = files[(i + 1) % files.length]!;
      return { from, to, typeOnly: this.#typeOnly.get(`${from}\0${to}`) ?? false };
    });
    return { files, edges };
  }
}

/** The report for people: one line a cycle, `→` for an import that loads, `⇢` for a type-only one. */
export function formatImportCycles(report: ImportCycleReport, shownFolder: string): string {
  const folder = shownFolder.endsWith('/') ? shownFolder : `${shownFolder}/`;
  if (report.cycles.length === 0) return `${folder}: no import cycle among ${report.files} files\n`;
  const count = `${report.truncated ? 'more than ' : ''}${report.cycles.length} import cycle${report.cycles.length === 1 && !report.truncated ? '' : 's'}`;
  const knotted = report.knots.reduce((sum, knot) => sum + knot.length, 0);
  let text = `${folder}: ${count} among ${report.files} files (${knotted} files in ${report.knots.length} knot${report.knots.length === 1 ? '' : 's'})\n`;
  for (const cycle of report.cycles) {
    text += `  ${cycle.files[0]}${cycle.edges.map((edge) => ` ${edge.typeOnly ? '⇢' : '→'} ${edge.to}`).join('')}\n`;
  }
  if (report.truncated) text += `  … and more: cut the knots above and run again\n`;
  if (report.cycles.some((cycle) => cycle.edges.some((edge) => edge.typeOnly))) {
    text += '⇢ is an `import type` or `export type … from`: it loads nothing, but it still ties the two files together\n';
  }
  return text;
}

const USAGE = "usage: check-import-cycles [FOLDER]   (FOLDER: the package's pipelines/ unless given)";

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    process.stderr.write(`check-import-cycles: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\nPrints every import cycle among the .ts files under FOLDER; exit 1 when there is one, 0 when there is none.\n`);
    return 0;
  }
  if (parsed.positionals.length > 1) {
    process.stderr.write(`check-import-cycles: expected one FOLDER, got ${parsed.positionals.length}\n${USAGE}\n`);
    return 2;
  }
  const folder = parsed.positionals[0] ?? packagePath('pipelines');
  if (!(await stat(folder).then((info) => info.isDirectory(), () => false))) {
    process.stderr.write(`check-import-cycles: ${folder} is not a folder\n${USAGE}\n`);
    return 2;
  }
  const report = await findImportCycles(folder);
  process.stdout.write(formatImportCycles(report, path.relative(process.cwd(), folder) || '.'));
  return report.cycles.length > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}

/**
 * `cutover init`: a project made from a source's schema. Reads the catalog (or the export
 * folder's files) and a bounded sample of each table, drafts one entity per table, and writes
 * cutover.yaml, the mappings and the target migrations into a folder that holds no project yet
 * (or replaces its files with `force`).
 */
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConnectionUrlError } from '../../connectors/connection-url.js';
import { ConnectionConfigError } from '../../connectors/errors.js';
import { builtinConnectors, createSource, type ResolvedConnection } from '../../connectors/registry.js';
import { interpolateEnv, type Environment } from '../config/interpolate-env.js';
import { PROJECT_FILE } from '../config/load-project.js';
import { RunError } from '../errors.js';
import { packagePath } from '../package-root.js';
import { draftEntities, type EntityDraft } from './entity-draft.js';
import { renderMapping, renderMigration, renderProject } from './render-files.js';
import { readSourceTables, type SkippedTable } from './source-tables.js';

export interface InitOptions {
  /** The legacy source: `mysql://…`, `postgres://…` or `file://./export`. */
  readonly from: string;
  /** Folder of the new project. */
  readonly to: string;
  /** Target URL written as the default of the target connection. @default pglite://./.cutover/newcrm */
  readonly target?: string | undefined;
  /** Tables to take, in this order; absent: every table that can be read by key. */
  readonly tables?: readonly string[] | undefined;
  /** Replace the files of a project already in `to`. */
  readonly force: boolean;
  /** Rows read per table to suggest transforms. @default 1000 */
  readonly sampleRows?: number;
  /** Where `${VAR}` in the URLs given come from. @default process.env */
  readonly env?: Environment;
  /** The command line as the user gave it, for the comment on top of cutover.yaml. */
  readonly command: string;
  readonly signal?: AbortSignal;
}

export interface InitResult {
  /** Absolute path of the project folder. */
  readonly dir: string;
  /** Files written, relative to `dir`. */
  readonly files: readonly string[];
  readonly entities: readonly EntityDraft[];
  readonly skipped: readonly SkippedTable[];
  /** `MySQL 127.0.0.1:3306/legacy_crm`. */
  readonly sourceName: string;
  /** Older `.sql` files in migrations/ that a forced init did not write and left in place. */
  readonly leftInPlace: readonly string[];
  readonly passwordLeftOut: boolean;
}

export const DEFAULT_SAMPLE_ROWS = 1000;
export const DEFAULT_TARGET = 'pglite://./.cutover/newcrm';
const FILE_LIKE = new Set(['file', 'pglite']);

export async function initProject(options: InitOptions): Promise<InitResult> {
  const env = options.env ?? process.env;
  const dir = path.resolve(options.to);
  const registry = builtinConnectors();
  const legacy = resolve(registry, 'legacy', options.from, env, '--from');
  const target = resolve(registry, 'target', options.target ?? DEFAULT_TARGET, env, '--target', dir);
  // The migrations init writes are PostgreSQL's, and a target that keeps no state needs `target.state`.
  if (!target.connector.createSink || target.connector.sinkState === 'beside') {
    throw new RunError(`--target: \`${target.url.redacted}\` is a ${target.connector.displayName} connection; cutover init writes a database target that keeps its own state (postgres:// or pglite://)`, {
      hint: target.connector.apiTarget
        ? 'an HTTP API target needs its `api` settings: write them into cutover.yaml by hand after init'
        : 'run init with a pglite:// target, then change the target connection, `target.state` and the migrations by hand',
    });
  }
  if (!legacy.connector.createSource) throw new RunError(`--from: \`${legacy.url.redacted}\` is a ${legacy.connector.displayName} connection, which cannot be read from`);
  const sourceName = describeSource(legacy);

  const source = createSource(legacy);
  let found;
  try {
    found = await readSourceTables(source, { only: options.tables ?? null, sampleRows: options.sampleRows ?? DEFAULT_SAMPLE_ROWS, signal: options.signal, sourceName });
  } finally {
    await source.close();
  }
  if (found.tables.length === 0) {
    const why = found.skipped.length > 0 ? `: ${found.skipped.map((s) => `${s.table} ${s.reason}`).join('; ')}` : '';
    throw new RunError(`${sourceName} has no table cutover can read${why}`, { hint: 'nothing was written' });
  }
  const entities = draftEntities(found.tables, found.kind);

  const mappingFile = (entity: string) => (entity === 'cutover' ? 'cutover-entity.yaml' : `${entity}.yaml`);
  const migrationFile = (entity: string, index: number) => path.join('migrations', `${String(index + 1).padStart(3, '0')}_${entity}.sql`);
  const files = new Map<string, string>();
  const mappingRef = schemaReference(dir, 'mapping.schema.json');
  for (const [index, draft] of entities.entries()) {
    files.set(mappingFile(draft.entity), renderMapping(draft, { schemaRef: mappingRef, sourceName }));
    files.set(migrationFile(draft.entity, index), renderMigration(draft, sourceName));
  }
  const legacyUrl = writtenUrl(legacy, dir);
  files.set(
    PROJECT_FILE,
    renderProject({
      schemaRef: schemaReference(dir, 'project.schema.json'),
      command: options.command,
      sourceName,
      sourceTitle: legacy.url.scheme === 'file' ? path.basename(path.resolve(legacy.url.path)) : legacy.url.path,
      legacyUrl,
      // The default is written as it is: relative to the project already.
      targetUrl: options.target === undefined ? DEFAULT_TARGET : writtenUrl(target, dir),
      targetIsPglite: target.url.scheme === 'pglite',
      passwordLeftOut: legacy.url.password !== '',
      entities: entities.map((draft) => ({ draft, file: mappingFile(draft.entity) })),
      skipped: found.skipped,
    }),
  );

  await refuseExisting(dir, [...files.keys()], options.force);
  await mkdir(path.join(dir, 'migrations'), { recursive: true });
  for (const [file, text] of files) await writeFile(path.join(dir, file), text, 'utf8');
  const written = new Set([...files.keys()].filter((f) => f.startsWith('migrations')).map((f) => path.basename(f)));
  const leftInPlace = (await readdir(path.join(dir, 'migrations'))).filter((name) => name.endsWith('.sql') && !written.has(name));
  return { dir, files: [...files.keys()], entities, skipped: found.skipped, sourceName, leftInPlace, passwordLeftOut: legacy.url.password !== '' };
}

function resolve(registry: ReturnType<typeof builtinConnectors>, name: string, text: string, env: Environment, option: string, baseDir = process.cwd()): ResolvedConnection {
  const expansion = interpolateEnv(text, env);
  if (!expansion.ok) throw new RunError(`${option}: ${expansion.message}`);
  const expanded = expansion.text;
  try {
    return registry.resolve(name, expanded, { baseDir });
  } catch (error) {
    if (error instanceof ConnectionUrlError || error instanceof ConnectionConfigError) throw new RunError(`${option}: ${(error as Error).message}`, { cause: error });
    throw error;
  }
}

/** `MySQL 127.0.0.1:3306/legacy_crm`, `the export folder ./legacy-export`: no password. */
function describeSource(connection: ResolvedConnection): string {
  const { url } = connection;
  if (url.scheme === 'file') return `the export ${path.relative(process.cwd(), path.resolve(url.path)) || '.'}`;
  return `${connection.connector.displayName} ${url.host}:${url.port ?? (url.scheme.startsWith('postgres') ? 5432 : 3306)}/${url.path}`;
}

/**
 * The URL as cutover.yaml's default: without the password, and for folders relative to the
 * project (which is where the project resolves them), not to where init ran.
 */
function writtenUrl(connection: ResolvedConnection, projectDir: string): string {
  const { url } = connection;
  const query = Object.entries(url.params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  const suffix = query ? `?${query}` : '';
  if (FILE_LIKE.has(url.scheme)) {
    if (url.path === 'memory' && url.scheme === 'pglite') return `pglite://memory${suffix}`;
    const relative = path.relative(projectDir, path.resolve(process.cwd(), url.path)).split(path.sep).join('/');
    const shown = relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? relative : `./${relative}`;
    return `${url.scheme}://${shown}${suffix}`;
  }
  const user = url.username ? `${encodeURIComponent(url.username)}@` : '';
  return `${url.scheme}://${user}${url.host}${url.port === null ? '' : `:${url.port}`}/${encodeURIComponent(url.path)}${suffix}`;
}

/**
 * Where the generated files find the format's schemas: those shipped in the installed package.
 * Relative when the package moves with the project (installed in the project's node_modules or a
 * parent folder's, or the project inside the package), else the installed file's absolute URL.
 */
export function schemaReference(projectDir: string, schema: 'mapping.schema.json' | 'project.schema.json'): string {
  const root = packagePath();
  const file = packagePath('mappings', schema);
  const installedAbove = path.basename(path.dirname(root)) === 'node_modules' && isInside(projectDir, path.dirname(path.dirname(root)));
  if (installedAbove || isInside(projectDir, root)) return path.relative(projectDir, file).split(path.sep).join('/');
  return pathToFileURL(file).href;
}

function isInside(dir: string, folder: string): boolean {
  const relative = path.relative(folder, dir);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

async function refuseExisting(dir: string, files: readonly string[], force: boolean): Promise<void> {
  if (force) return;
  const existing: string[] = [];
  for (const file of [PROJECT_FILE, ...files]) {
    if ((await stat(path.join(dir, file)).catch(() => null)) !== null && !existing.includes(file)) existing.push(file);
  }
  if (existing.length === 0) return;
  const shown = existing.length > 3 ? `${existing.slice(0, 3).join(', ')} and ${existing.length - 3} more` : existing.join(', ');
  throw new RunError(`${dir} already holds ${existing.includes(PROJECT_FILE) ? 'a project' : 'files init would write'} (${shown}); nothing was written`, {
    hint: 'pass --force to replace those files, or --to another folder',
  });
}

/**
 * The config edge (STYLE 5): reads cutover.yaml, the `.env` beside it and the mapping files,
 * expands `${ENV}` in every value, validates everything, and returns a frozen {@link Project} — or
 * throws one {@link ConfigError} listing every problem with file, line and JSON pointer.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ConnectionUrlError, redactUrl } from '../../connectors/connection-url.js';
import { builtinConnectors, type ConnectorRegistry, type ResolvedConnection } from '../../connectors/registry.js';
import type { EntityMapping } from '../../transforms/entity-mapping.js';
import type { RetryPolicy } from '../../connectors/retry.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { DOT_ENV_FILE, readDotEnv } from './dot-env.js';
import { expandDocument, type ExpandedDocument } from './expand-document.js';
import { EnvInterpolator, type Environment } from './interpolate-env.js';
import { deepFreeze, loadMapping } from './load-mapping.js';
import type { Project } from './project.js';
import { explainSchemaErrors } from './schema-errors.js';
import { formatSchemas } from './schemas.js';
import { validateTyped } from './typed-values.js';
import { joinPointer, readLocatedDocument } from './yaml-document.js';

export interface LoadProjectOptions {
  /** Where `${VAR}` values come from, over the project's `.env` file. @default process.env */
  readonly env?: Environment;
  readonly registry?: ConnectorRegistry;
  /** How files are named in messages. @default relative to the current directory */
  readonly displayPath?: (file: string) => string;
}

export const PROJECT_FILE = 'cutover.yaml';

/** Loads the project at `location`: a folder holding cutover.yaml, or the file itself. */
export async function loadProject(location: string, options: LoadProjectOptions = {}): Promise<Project> {
  const registry = options.registry ?? builtinConnectors();
  const display = options.displayPath ?? ((file: string) => path.relative(process.cwd(), file) || file);
  const file = await projectFile(location);
  const dir = path.dirname(file);

  const parsed = await readLocatedDocument(file, display(file));
  if (Array.isArray(parsed)) throw new ConfigError(parsed);
  const env = await projectEnvironment(dir, options.env ?? process.env, display);
  const interpolator = new EnvInterpolator(env);
  const document = expandDocument(parsed, interpolator);
  const { project: validateProject } = formatSchemas();
  if (!validateTyped(validateProject, document.value, document.isExpanded)) {
    throw new ConfigError(located([...document.problems, ...followingFrom(explainSchemaErrors(validateProject.errors ?? [], document), document)]));
  }
  const raw = document.value as RawProject;

  const problems: ConfigProblem[] = [...document.problems];
  const connections = new Map<string, ResolvedConnection>();
  const targetName = raw.target.connection;
  const apiSettings = raw.target.api === undefined ? undefined : withSecret(raw.target.api, env);
  for (const [name, written] of Object.entries(raw.connections)) {
    const pointer = joinPointer('connections', name);
    // Its variable's problem is reported already.
    if (document.failedAt(pointer)) continue;
    const used = document.variablesIn(pointer);
    try {
      connections.set(name, registry.resolve(name, written, { baseDir: dir, ...(name === targetName ? { settings: apiSettings } : {}) }));
    } catch (error) {
      // A problem inside `target.api` points there, not at the URL.
      const inner = (error as { pointer?: unknown }).pointer;
      problems.push(document.problem(typeof inner === 'string' ? `/target/api${inner}` : pointer, explainUrlError(error, name, used)));
    }
  }

  const target = connections.get(targetName);
  if (!target && !(targetName in raw.connections)) {
    problems.push(document.problem('/target/connection', `unknown connection \`${targetName}\`; defined: ${Object.keys(raw.connections).join(', ')}`));
  } else if (target && !target.connector.createSink) {
    problems.push(document.problem('/target/connection', `\`${targetName}\` is a ${target.connector.displayName} connection, which cannot be a target`));
  }

  // When the target's URL failed to resolve, `api` still says what the user meant: no cascade of errors.
  const apiTarget = target ? target.connector.apiTarget === true : raw.target.api !== undefined;
  const targetKind = apiTarget ? 'api' : 'sql';
  // Where the state lives is known before anything opens: in the target, or in `target.state` beside it.
  const stateBeside = target ? target.connector.sinkState === 'beside' : apiTarget;
  const state = stateBeside ? resolveState(raw, registry, dir, document, problems) : null;
  if (!apiTarget && raw.target.api !== undefined && target) {
    problems.push(document.problem('/target/api', `\`api\` describes an HTTP API target; \`${targetName}\` is a ${target.connector.displayName} connection`));
  }
  if (!stateBeside && raw.target.state !== undefined) {
    problems.push(document.problem('/target/state', `a database target keeps the state in itself (schema \`${raw.target.state_schema ?? 'cutover'}\`); \`state\` is only for targets that cannot (an HTTP API, MySQL/MariaDB)`));
  }
  if (apiTarget && raw.target.migrations !== undefined) {
    problems.push(document.problem('/target/migrations', 'an HTTP API target has no tables to create; remove `migrations` (the API defines its modules)'));
  }

  const emptyStringConnections = new Set([...connections.values()].filter((c) => c.connector.keepsEmptyStrings?.(c.config) === true).map((c) => c.name));
  const entities: EntityMapping[] = [];
  const earlier = new Set<string>();
  let earlierUnnamed = false;
  const defaultBatchSize = raw.options?.batch_size ?? 2000;
  for (const [index, relative] of raw.entities.entries()) {
    const mappingFile = path.resolve(dir, relative);
    const loaded = await loadMapping(mappingFile, display(mappingFile), {
      earlierEntities: earlier,
      earlierUnnamed,
      connectionNames: new Set(Object.keys(raw.connections)),
      emptyStringConnections,
      targetConnection: targetName,
      targetUsable: targetName in raw.connections && !(target && !target.connector.createSink),
      targetKind,
      targetDeletes: raw.target.api?.delete !== undefined,
      defaultBatchSize,
      projectDir: dir,
      interpolator,
    });
    if (Array.isArray(loaded)) {
      if (loaded.length === 1 && loaded[0]!.message === 'file not found') {
        problems.push(document.problem(joinPointer('entities', index), `mapping file not found: ${display(mappingFile)}`));
      } else {
        problems.push(...loaded);
      }
      if (loaded.entity !== undefined) earlier.add(loaded.entity);
      else earlierUnnamed = true;
      continue;
    }
    if (earlier.has(loaded.entity)) {
      problems.push(document.problem(joinPointer('entities', index), `entity \`${loaded.entity}\` is defined twice`));
      continue;
    }
    earlier.add(loaded.entity);
    entities.push(loaded);
  }

  const migrationsDir = raw.target.migrations === undefined ? null : path.resolve(dir, raw.target.migrations);
  if (migrationsDir !== null && targetKind === 'sql' && !(await isDirectory(migrationsDir))) {
    problems.push(document.problem('/target/migrations', `folder not found: ${display(migrationsDir)}`));
  }
  if (problems.length > 0) throw new ConfigError(followingFrom(problems, document));

  return deepFreeze({
    name: raw.name ?? path.basename(dir),
    dir,
    file,
    connections,
    target: { connection: target!, state, migrationsDir, stateSchema: raw.target.state_schema ?? 'cutover' },
    entities,
    options: {
      batchSize: defaultBatchSize,
      lookbackSeconds: raw.options?.lookback_seconds ?? 300,
      logFile: path.resolve(dir, raw.options?.log_file ?? '.cutover/cutover.log'),
      retry: runRetryPolicy(raw.options?.retry),
    },
  });
}

/**
 * The variables `${…}` is expanded from: the `.env` beside cutover.yaml, under the environment
 * (a variable set in both comes from the environment).
 */
async function projectEnvironment(dir: string, env: Environment, display: (file: string) => string): Promise<Environment> {
  const file = path.join(dir, DOT_ENV_FILE);
  const dotEnv = await readDotEnv(file, display(file));
  if (Array.isArray(dotEnv)) throw new ConfigError(dotEnv);
  const merged: Record<string, string> = { ...dotEnv };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) merged[name] = value;
  return merged;
}

/** Without the problems that only follow from a value whose expansion failed (reported already, at the same place). */
function followingFrom(problems: readonly ConfigProblem[], document: ExpandedDocument): ConfigProblem[] {
  const own = new Set(document.problems);
  return problems.filter((p) => own.has(p) || p.file !== document.file || !document.failedAt(p.pointer));
}

function located(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** The API settings with the credential read from its environment variable, kept out of enumeration. */
function withSecret(api: Record<string, unknown>, env: Environment): Record<string, unknown> {
  const settings = { ...api };
  const variable = (api.auth as { env?: string } | undefined)?.env;
  if (variable !== undefined) Object.defineProperty(settings, 'secret', { value: env[variable], enumerable: false });
  return settings;
}

/** The state connection of a target that keeps none (an HTTP API, MySQL): a database that can hold the `cutover` schema. */
function resolveState(raw: RawProject, registry: ConnectorRegistry, dir: string, document: ExpandedDocument, problems: ConfigProblem[]): ResolvedConnection | null {
  if (document.failedAt('/target/state')) return null;
  const used = document.variablesIn('/target/state');
  try {
    const state = registry.resolve('state', raw.target.state ?? DEFAULT_STATE_BESIDE, { baseDir: dir });
    if (!state.connector.createStateDatabase) {
      problems.push(document.problem('/target/state', `the state needs a database (pglite://folder or postgres://…), got a ${state.connector.displayName} URL`));
      return null;
    }
    return state;
  } catch (error) {
    problems.push(document.problem('/target/state', explainUrlError(error, 'state', used)));
    return null;
  }
}

interface RawRetry {
  attempts?: number;
  base_delay_ms?: number;
  max_delay_ms?: number;
}

/**
 * The run's retry budget. Defaults: 6 attempts, waits drawn in [½, 1] × 0.5, 1, 2, 4, 8 s, so a
 * server restart of up to 7.75 s is always outlasted and an operation gives up after at most
 * 15.5 s of waiting plus its attempts' time-outs.
 */
export function runRetryPolicy(raw: RawRetry | undefined): RetryPolicy {
  return {
    retries: (raw?.attempts ?? DEFAULT_RUN_RETRY.attempts) - 1,
    baseDelayMs: raw?.base_delay_ms ?? DEFAULT_RUN_RETRY.base_delay_ms,
    maxDelayMs: raw?.max_delay_ms ?? DEFAULT_RUN_RETRY.max_delay_ms,
    jitter: 'equal',
  };
}

export const DEFAULT_RUN_RETRY = Object.freeze({ attempts: 6, base_delay_ms: 500, max_delay_ms: 10_000 });

/**
 * The message for a URL that did not resolve. A password written raw gets what to do: the
 * characters to percent-encode (in the message already), and where the URL came from: the
 * environment variables it was built from, or else how to move it out of cutover.yaml.
 */
function explainUrlError(error: unknown, connection: string, used: readonly string[]): string {
  const message = redactUrl((error as Error).message);
  if (!(error instanceof ConnectionUrlError) || error.unencoded.length === 0) return message;
  const from = used.length > 0
    ? ` (the URL comes from ${used.map((v) => `\`${v}\``).join(', ')}: encode the password there)`
    : `; keep the password out of ${PROJECT_FILE}: put the whole URL in an environment variable, e.g. \`${envName(connection)}\`, and write \`${connection === 'state' ? 'state' : connection}: \${${envName(connection)}}\``;
  return `connection \`${connection}\`: ${message}${from}`;
}

function envName(connection: string): string {
  return `${connection.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_URL`;
}

/** Where the state of a target that keeps none (an HTTP API, MySQL) goes when `target.state` is not written. */
export const DEFAULT_STATE_BESIDE = 'pglite://./.cutover/state';

async function projectFile(location: string): Promise<string> {
  const absolute = path.resolve(location);
  const info = await stat(absolute).catch(() => null);
  if (info === null) {
    throw new ConfigError([{ file: location, line: 0, column: 0, pointer: '', message: 'no such file or folder; pass a project folder with cutover.yaml (-p DIR)' }]);
  }
  return info.isDirectory() ? path.join(absolute, PROJECT_FILE) : absolute;
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => null))?.isDirectory() ?? false;
}

interface RawProject {
  name?: string;
  connections: Record<string, string>;
  target: { connection: string; migrations?: string; state_schema?: string; state?: string; api?: Record<string, unknown> & { delete?: unknown } };
  entities: string[];
  options?: { batch_size?: number; lookback_seconds?: number; log_file?: string; retry?: RawRetry };
}

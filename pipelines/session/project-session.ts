/**
 * The open connections of a project: the target sink, the state database (the target's own, or
 * the one `target.state` names beside it), the state store on it, and one source per source
 * connection, opened on first use and closed together.
 */
import { FatalError } from '../../connectors/errors.js';
import { createSink, createStateDatabase } from '../../connectors/registry.js';
import type { Sink, StateDatabase } from '../../connectors/sink.js';
import type { Source } from '../../connectors/types.js';
import type { EntityMapping } from '../../transforms/entity-mapping.js';
import type { Project } from '../config/project.js';
import type { Logger } from '../logger.js';
import { RunError } from '../errors.js';
import { openStateStore } from '../state/pg-state-store.js';
import type { StateStore, WriteGuard } from '../state/state-store.js';
import { GuardSlot, guardedSink, guardedStateDatabase } from './guarded-sink.js';
import { ProjectSources, type SessionRetry } from './project-sources.js';
import { retrier, type Retry } from './retrier.js';
import type { RunObserver } from './run-events.js';

export class ProjectSession {
  readonly project: Project;
  /** Where rows go: a database, or an HTTP API; its writes guarded by the run lock while a run holds it. */
  readonly sink: Sink;
  /**
   * The database that holds the state: the target itself where `sink.capabilities.state` is
   * `'target'` (rows and state commit together), else the one named by `target.state`. Its
   * transactions are guarded too.
   */
  readonly stateDatabase: StateDatabase;
  readonly state: StateStore;
  readonly #inner: { readonly sink: Sink; readonly stateDatabase: StateDatabase };
  readonly #guard = new GuardSlot();
  readonly #sources: ProjectSources;
  #closed = false;

  private constructor(project: Project, sink: Sink, stateDatabase: StateDatabase, retry: SessionRetry) {
    this.project = project;
    this.#inner = { sink, stateDatabase };
    this.stateDatabase = guardedStateDatabase(stateDatabase, this.#guard);
    this.sink = guardedSink(sink, this.stateDatabase, this.#guard);
    this.state = openStateStore(this.stateDatabase, project.target.stateSchema);
    this.#sources = new ProjectSources(project, retry);
  }

  /**
   * While a run holds the lock: every transaction on the state database, and every write to the
   * target, proves first (with `guard`) that the run still holds it.
   */
  guardWrites(guard: WriteGuard | null): void {
    this.#guard.guard = guard;
  }

  /**
   * Connects to the target. To run (`prepare`), creates or upgrades the state schema and applies
   * the target migrations, after `beforePrepare` (source checks) passed; to look (status,
   * reconcile), changes nothing and requires the state to exist.
   */
  static async open(
    project: Project,
    log: Logger,
    options: {
      prepare: boolean;
      beforePrepare?: (session: ProjectSession) => Promise<void>;
      stateRequired?: boolean;
      observer?: RunObserver | undefined;
      signal?: AbortSignal | undefined;
    } = { prepare: false },
  ): Promise<ProjectSession> {
    const target = project.target.connection;
    const sessionRetry: SessionRetry = { log, observer: options.observer, signal: options.signal };
    const retry = retrier(project.options.retry, log, options.observer ?? {}, options.signal);
    log.debug({ connection: target.name, url: target.url.redacted }, 'opening target');
    // Connecting is an operation like any other: a server that is restarting gets the whole budget.
    const sink = await retry(`connecting to ${target.name}`, () => createSink(target));
    let stateDatabase: StateDatabase;
    try {
      stateDatabase = await openStateDatabase(project, sink, log, retry);
    } catch (error) {
      await sink.close();
      throw error;
    }
    const session = new ProjectSession(project, sink, stateDatabase, sessionRetry);
    try {
      if (!options.prepare) {
        if (options.stateRequired !== false && !(await session.state.exists())) {
          throw new RunError(`no migration state in ${(project.target.state ?? target).url.redacted} (schema \`${project.target.stateSchema}\`) yet`, {
            hint: 'run `cutover run` first',
          });
        }
        return session;
      }
      await options.beforePrepare?.(session);
      await session.state.migrate();
      if (project.target.migrationsDir && sink.capabilities.migrations && sink.applyMigrations) {
        const applied = await sink.applyMigrations(project.target.migrationsDir, project.target.stateSchema).catch((error: unknown) => {
          throw error instanceof FatalError ? new RunError(error.message, { cause: error, hint: 'fix the SQL file; migrations that succeeded before it stay applied' }) : error;
        });
        if (applied.length > 0) log.info({ applied }, `applied target migrations: ${applied.join(', ')}`);
      }
    } catch (error) {
      await session.close();
      throw error;
    }
    return session;
  }

  /** The source of an entity's connection (one per connection, shared by its entities). */
  sourceFor(mapping: EntityMapping): Source {
    return this.#sources.sourceFor(mapping);
  }

  /** Rows per batch for `mapping`: its `batch_size`, lowered to what the target and the state database take at most. */
  batchRows(mapping: EntityMapping): number {
    const limits = [mapping.batchSize, this.sink.capabilities.maxBatchRows, this.stateDatabase.capabilities.maxBatchRows];
    return Math.min(...limits.filter((limit): limit is number => limit !== undefined));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#sources.close();
    try {
      await this.#inner.sink.close();
    } finally {
      // A target's own state database is closed with it.
      if (this.#inner.sink.capabilities.state === 'beside') await this.#inner.stateDatabase.close();
    }
  }
}

/** The target's own state database, or the one `target.state` names for a target that keeps none. */
async function openStateDatabase(project: Project, sink: Sink, log: Logger, retry: Retry): Promise<StateDatabase> {
  if (sink.capabilities.state === 'target') {
    if (!sink.stateDatabase) throw new FatalError(`${sink.endpoint}: the target declares that it keeps the state, and has no state database`);
    return sink.stateDatabase;
  }
  const connection = project.target.state;
  if (!connection) {
    throw new RunError(`${project.target.connection.url.redacted} keeps no migration state: name a database for it in \`target.state\` (pglite://folder or postgres://…)`);
  }
  log.debug({ connection: 'state', url: connection.url.redacted }, 'opening the state database beside the target');
  return retry('connecting to the state database', () => createStateDatabase(connection));
}

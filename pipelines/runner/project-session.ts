/**
 * The open connections of a project: the target sink (which also holds the state), the state store,
 * and one source per source connection, opened on first use and closed together.
 */
import { createSink, createSource } from '../../connectors/registry.js';
import type { Sink, Source, SqlSink } from '../../connectors/types.js';
import type { EntityMapping } from '../../transforms/entity-mapping.js';
import type { Project } from '../config/project.js';
import type { Logger } from '../logger.js';
import { RunError } from '../errors.js';
import { StateStore, type WriteGuard } from '../state/state-store.js';
import { GuardedSqlSink } from './guarded-sink.js';
import { retrier, type Retry } from './retrier.js';
import { retryingSource } from './retrying-source.js';
import type { RunObserver } from './run-events.js';
import { migrateTarget } from './target-migrations.js';

/** How a session retries: the project's budget, told to this log and observer. */
export interface SessionRetry {
  readonly log: Logger;
  readonly observer?: RunObserver | undefined;
  /** Aborts the waits between attempts (a second Ctrl-C). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * One source per source connection, opened on first use and closed together. Every call on a
 * source runs under the project's retry budget (see retrying-source.ts); callers do not retry them.
 */
export class ProjectSources {
  readonly #project: Project;
  readonly #retry: Retry;
  readonly #sources = new Map<string, Source>();

  constructor(project: Project, retry: SessionRetry) {
    this.#project = project;
    this.#retry = retrier(project.options.retry, retry.log, retry.observer ?? {}, retry.signal);
  }

  /** The source of an entity's connection (shared by its entities). */
  sourceFor(mapping: EntityMapping): Source {
    const name = mapping.source.connection;
    let source = this.#sources.get(name);
    if (!source) {
      const connection = this.#project.connections.get(name)!;
      source = retryingSource(createSource(connection), this.#retry, name);
      this.#sources.set(name, source);
    }
    return source;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#sources.values()].map((source) => source.close()));
    this.#sources.clear();
  }
}

export class ProjectSession {
  readonly project: Project;
  /** Where rows go: a database, or an HTTP API. */
  readonly sink: Sink;
  /**
   * The database that holds the state: the target itself when it is a database (rows and state
   * commit together), else the one named by `target.state` (STYLE 3: `needsExternalState`).
   */
  readonly stateSink: SqlSink;
  readonly state: StateStore;
  readonly #guarded: GuardedSqlSink;
  readonly #sources: ProjectSources;
  #closed = false;

  private constructor(project: Project, sink: Sink, stateSink: SqlSink, retry: SessionRetry) {
    this.project = project;
    this.#guarded = new GuardedSqlSink(stateSink);
    // A database target holds its own state: one guarded sink for both.
    this.sink = sink === stateSink ? this.#guarded : sink;
    this.stateSink = this.#guarded;
    this.state = new StateStore(stateSink.db, project.target.stateSchema);
    this.#sources = new ProjectSources(project, retry);
  }

  /**
   * While a run holds the lock: every transaction on the state database, and every write the
   * state store makes on its own, proves first (with `guard`) that the run still holds it.
   */
  guardWrites(guard: WriteGuard | null): void {
    this.#guarded.guardWith(guard);
    this.state.guardWrites(guard);
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
    let stateSink: SqlSink;
    if (sink.kind === 'sql') stateSink = sink;
    else {
      const stateConnection = project.target.state!;
      log.debug({ connection: 'state', url: stateConnection.url.redacted }, 'opening the state database of an API target');
      try {
        const opened = await retry('connecting to the state database', () => createSink(stateConnection));
        if (opened.kind !== 'sql') throw new RunError(`the state of an API target must be a database, got ${stateConnection.url.redacted}`);
        stateSink = opened;
      } catch (error) {
        await sink.close();
        throw error;
      }
    }
    const session = new ProjectSession(project, sink, stateSink, sessionRetry);
    try {
      if (!options.prepare) {
        if (options.stateRequired !== false && !(await session.state.exists())) {
          throw new RunError(`no migration state in ${target.url.redacted} (schema \`${project.target.stateSchema}\`) yet`, {
            hint: 'run `cutover run` first',
          });
        }
        return session;
      }
      await options.beforePrepare?.(session);
      await session.state.migrate();
      if (project.target.migrationsDir && sink.kind === 'sql') {
        const applied = await migrateTarget(sink.db, project.target.migrationsDir, project.target.stateSchema);
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

  /** Rows per batch for `mapping`: its `batch_size`, lowered to what the state database takes at most. */
  batchRows(mapping: EntityMapping): number {
    return Math.min(mapping.batchSize, this.stateSink.capabilities.maxBatchRows ?? mapping.batchSize);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#sources.close();
    try {
      await this.sink.close();
    } finally {
      if (this.stateSink !== this.sink) await this.stateSink.close();
    }
  }
}

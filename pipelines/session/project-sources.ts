/** The sources of a project: one per source connection, opened on first use, retried, closed together. */
import { createSource } from '../../connectors/registry.js';
import type { Source } from '../../connectors/types.js';
import type { EntityMapping } from '../../transforms/entity-mapping.js';
import type { Project } from '../config/project.js';
import type { Logger } from '../logger.js';
import { retrier, type Retry } from './retrier.js';
import { retryingSource } from './retrying-source.js';
import type { RunObserver } from './run-events.js';

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

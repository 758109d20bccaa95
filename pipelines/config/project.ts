/** The validated, frozen project that everything below the config edge works from. */
import type { ResolvedConnection } from '../../connectors/registry.js';
import type { RetryPolicy } from '../../connectors/retry.js';
import type { EntityMapping } from '../../transforms/entity-mapping.js';

export interface ProjectOptions {
  readonly batchSize: number;
  readonly lookbackSeconds: number;
  /** Absolute path of the JSON log file. */
  readonly logFile: string;
  /** The budget of every database operation of a run (connect, read a page, write a batch): `options.retry`. */
  readonly retry: RetryPolicy;
}

export interface ProjectTarget {
  readonly connection: ResolvedConnection;
  /** Where the state lives when the target keeps none (an HTTP API, MySQL): PGlite or PostgreSQL; null: in the target database. */
  readonly state: ResolvedConnection | null;
  /** Absolute folder of `.sql` migrations for the target tables, if the project ships them. */
  readonly migrationsDir: string | null;
  readonly stateSchema: string;
}

export interface Project {
  readonly name: string;
  /** Folder of cutover.yaml; relative paths resolve against it. */
  readonly dir: string;
  readonly file: string;
  readonly connections: ReadonlyMap<string, ResolvedConnection>;
  readonly target: ProjectTarget;
  /** In dependency order. */
  readonly entities: readonly EntityMapping[];
  readonly options: ProjectOptions;
}

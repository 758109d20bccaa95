/**
 * URL scheme → connector. The pipeline asks the registry, never a driver: adding a connector is
 * one `register` call.
 */
import type { Connector, ConnectorContext, Source } from './types.js';
import type { Sink, StateDatabase } from './sink.js';
import type { TableLoader } from './table-loader.js';
import { parseConnectionUrl, type ConnectionUrl } from './connection-url.js';
import { ConnectionConfigError } from './errors.js';
import { fileConnector } from './file/file-connector.js';
import { httpApiConnector } from './http-api/http-connector.js';
import { mysqlConnector } from './mysql/mysql-connector.js';
import { pgliteConnector } from './pglite/pglite-connector.js';
import { postgresConnector } from './postgres/postgres-connector.js';

/** A connection whose URL has been parsed and whose options the connector has validated. */
export interface ResolvedConnection {
  readonly name: string;
  readonly url: ConnectionUrl;
  readonly connector: Connector<unknown>;
  readonly config: unknown;
}

export class ConnectorRegistry {
  readonly #byScheme = new Map<string, Connector<unknown>>();

  register(connector: Connector<any>): this {
    for (const scheme of connector.schemes) this.#byScheme.set(scheme, connector);
    return this;
  }

  get schemes(): readonly string[] {
    return [...this.#byScheme.keys()];
  }

  /** Parses and validates a URL; throws `ConnectionConfigError` or `ConnectionUrlError` with a message. */
  resolve(name: string, urlText: string, context: ConnectorContext): ResolvedConnection {
    const url = parseConnectionUrl(urlText);
    const connector = this.#byScheme.get(url.scheme);
    if (!connector) {
      throw new ConnectionConfigError(`Unknown scheme \`${url.scheme}://\` in ${url.redacted}; supported: ${this.schemes.map((s) => `${s}://`).join(', ')}`);
    }
    return { name, url, connector, config: connector.parseConfig(url, context) };
  }
}

export function createSource(connection: ResolvedConnection): Source {
  if (!connection.connector.createSource) {
    throw new ConnectionConfigError(`Connection \`${connection.name}\` (${connection.connector.displayName}) cannot be read from`);
  }
  return connection.connector.createSource(connection.config);
}

export async function createSink(connection: ResolvedConnection): Promise<Sink> {
  if (!connection.connector.createSink) {
    throw new ConnectionConfigError(`Connection \`${connection.name}\` (${connection.connector.displayName}) cannot be written to`);
  }
  return connection.connector.createSink(connection.config);
}

/** The database that holds the state of a target that keeps none (`target.state`): PostgreSQL or PGlite. */
export async function createStateDatabase(connection: ResolvedConnection): Promise<StateDatabase> {
  if (!connection.connector.createStateDatabase) {
    throw new ConnectionConfigError(`Connection \`${connection.name}\` (${connection.connector.displayName}) cannot hold the migration state; use pglite://folder or postgres://…`);
  }
  return connection.connector.createStateDatabase(connection.config);
}

/** A loader of whole tables (`cutover backup restore`); only MySQL/MariaDB and PostgreSQL have one. */
export async function createTableLoader(connection: ResolvedConnection): Promise<TableLoader> {
  if (!connection.connector.createTableLoader) {
    throw new ConnectionConfigError(`A backup cannot be restored into ${connection.url.redacted} (${connection.connector.displayName}); restore into a MySQL/MariaDB or PostgreSQL database`);
  }
  return connection.connector.createTableLoader(connection.config);
}

/** False when the target does not exist yet and opening it would create it; read-only commands then skip it. */
export async function sinkExists(connection: ResolvedConnection): Promise<boolean> {
  return connection.connector.sinkExists ? connection.connector.sinkExists(connection.config) : true;
}

/** The connectors that ship with cutover. */
export function builtinConnectors(): ConnectorRegistry {
  return new ConnectorRegistry().register(mysqlConnector).register(postgresConnector).register(pgliteConnector).register(fileConnector).register(httpApiConnector);
}

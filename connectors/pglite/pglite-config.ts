import path from 'node:path';
import type { ConnectionUrl } from '../connection-url.js';
import { ConnectionConfigError } from '../errors.js';

/** A `pglite://./dir` (data folder, relative to the project) or `pglite://memory` URL. */
export interface PgliteConfig {
  readonly url: ConnectionUrl;
  /** Absolute data folder, or null for an in-memory database. */
  readonly dataDir: string | null;
  /** For messages: `PGlite ./.cutover/newcrm`. */
  readonly endpoint: string;
}

export function parsePgliteConfig(url: ConnectionUrl, baseDir: string): PgliteConfig {
  if (Object.keys(url.params).length > 0) {
    throw new ConnectionConfigError(`PGlite URLs take no options, got \`${Object.keys(url.params).join(', ')}\` in ${url.redacted}`);
  }
  if (url.path === '') throw new ConnectionConfigError(`Expected a data folder in ${url.redacted}, e.g. pglite://./.cutover/newcrm or pglite://memory`);
  const dataDir = url.path === 'memory' ? null : path.resolve(baseDir, url.path);
  return Object.freeze({ url, dataDir, endpoint: `PGlite ${dataDir === null ? '(in memory)' : url.path}` });
}

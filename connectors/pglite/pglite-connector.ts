import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Connector } from '../types.js';
import { parsePgliteConfig, type PgliteConfig } from './pglite-config.js';
import { PgliteSink } from './pglite-sink.js';
import { ownedStateDatabase } from '../sql/owned-state-database.js';

/** `pglite://./.cutover/newcrm` (a data folder, relative to the project) or `pglite://memory`. */
export const pgliteConnector: Connector<PgliteConfig, PgliteSink> = {
  schemes: ['pglite'],
  displayName: 'PGlite',
  parseConfig: (url, context) => parsePgliteConfig(url, context.baseDir),
  sinkState: 'target',
  createSink: (config) => PgliteSink.open(config),
  createStateDatabase: async (config) => ownedStateDatabase(await PgliteSink.open(config)),
  // An in-memory database, or a folder without a cluster, is created by opening it.
  sinkExists: async (config) => config.dataDir !== null && (await access(path.join(config.dataDir, 'PG_VERSION')).then(() => true, () => false)),
};

import type { Connector } from '../types.js';
import { parsePgliteConfig, type PgliteConfig } from './pglite-config.js';
import { PgliteSink } from './pglite-sink.js';

/** `pglite://./.cutover/newcrm` (a data folder, relative to the project) or `pglite://memory`. */
export const pgliteConnector: Connector<PgliteConfig> = {
  schemes: ['pglite'],
  displayName: 'PGlite',
  parseConfig: (url, context) => parsePgliteConfig(url, context.baseDir),
  createSink: (config) => PgliteSink.open(config),
};

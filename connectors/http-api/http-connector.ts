import type { Connector } from '../types.js';
import { parseHttpApiConfig, type HttpApiConfig } from './http-config.js';
import { HttpApiSink } from './http-sink.js';

/**
 * `https://api.example.com` (or `http://` on a private network): a new CRM's REST API as the target,
 * described by `target.api` in cutover.yaml. Write-only: the state lives in `target.state`.
 */
export const httpApiConnector: Connector<HttpApiConfig, HttpApiSink> = {
  schemes: ['https', 'http'],
  displayName: 'HTTP API',
  sinkState: 'beside',
  apiTarget: true,
  parseConfig: (url, context) => parseHttpApiConfig(url, context.settings, (context.settings as { secret?: string } | undefined)?.secret),
  createSink: async (config) => new HttpApiSink(config),
};

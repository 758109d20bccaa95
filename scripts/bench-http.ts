#!/usr/bin/env node
/**
 * `npm run bench:http`: how close a load through an HTTP API comes to the API's rate limit. Starts
 * the Zoho-style fake CRM on loopback with a token bucket of N requests a second, loads the
 * generated legacy export (the example mappings, 100 records a call) with the client limited to
 * N requests a second, and reports the requests per second achieved while loading, the records
 * per second, and the 429s the server had to send.
 *
 * Not a test: nothing here asserts a time. Figures go to BENCHMARKS.md.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadProject } from '../pipelines/config/load-project.js';
import { createLogger } from '../pipelines/logger.js';
import { packagePath } from '../pipelines/package-root.js';
import { runProject } from '../pipelines/runner/run-project.js';
import { FakeCrmApi } from '../test/support/fake-crm-api.js';
import { writeLegacyExport } from './legacy-crm/write-export.js';
import { fmt, log } from './bench-support.js';

const USAGE = `npm run bench:http -- [options]

Options:
  --rate N          requests a second the API allows, and the client is told (default 20)
  --customers N     customers in the export; opportunities and tickets scale with it (default 5000)
  --concurrency N   requests in flight (default 4)
  -h, --help        this text
`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { rate: { type: 'string' }, customers: { type: 'string' }, concurrency: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const rate = Number(values.rate ?? 20);
  const customers = Number(values.customers ?? 5000);
  const concurrency = Number(values.concurrency ?? 4);
  const dir = await mkdtemp(path.join(tmpdir(), 'cutover-bench-http-'));
  const api = await FakeCrmApi.start({ rateLimit: { perSecond: rate, burst: rate }, ids: 'uuid' });
  try {
    log(`generating ${fmt(customers)} customers, ${fmt(customers * 1.6)} opportunities, ${fmt(customers * 2.4)} tickets`);
    await writeLegacyExport(path.join(dir, 'legacy-export'), { seed: 42, customers, opportunities: Math.round(customers * 1.6), tickets: Math.round(customers * 2.4) });
    const example = packagePath('mappings', 'example');
    await writeFile(
      path.join(dir, 'cutover.yaml'),
      [
        'name: bench http',
        'connections:',
        '  legacy: file://./legacy-export',
        `  newcrm: ${api.url}`,
        'target:',
        '  connection: newcrm',
        '  state: pglite://./state',
        '  api:',
        "    upsert: { path: '/crm/v8/{module}/upsert', records_per_call: 100, body: { duplicate_check_fields: ['{key}'] } }",
        "    delete: { path: '/crm/v8/{module}/{id}' }",
        `    limits: { concurrency: ${concurrency}, requests_per_interval: ${rate}, interval_ms: 1000 }`,
        'entities:',
        ...['customers.yaml', 'opportunities.yaml', 'tickets.yaml'].map((file) => `  - ${path.join(example, file)}`),
        '',
      ].join('\n'),
    );
    const project = await loadProject(dir);
    log(`loading through ${api.url} at ${rate} requests/s (server bucket ${rate}/s, burst ${rate})`);
    const started = performance.now();
    const summary = await runProject(project, { log: createLogger({ file: null, terminal: null }) });
    const seconds = (performance.now() - started) / 1000;
    const stats = api.stats;
    const loadSeconds = ((stats.lastAt ?? 0) - (stats.firstAt ?? 0)) / 1000;
    const records = stats.recordsInserted + stats.recordsUpdated + stats.recordsRefused;
    const result = {
      rate,
      concurrency,
      rowsRead: summary.ledgers.reduce((sum, ledger) => sum + ledger.read, 0),
      requests: stats.requests,
      throttled: stats.throttled,
      records,
      loadSeconds: Number(loadSeconds.toFixed(2)),
      runSeconds: Number(seconds.toFixed(2)),
      requestsPerSecond: Number((stats.requests / loadSeconds).toFixed(2)),
      ofLimit: `${((stats.requests / loadSeconds / rate) * 100).toFixed(1)} %`,
      recordsPerSecond: Math.round(records / loadSeconds),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    log(`${fmt(stats.requests)} requests in ${loadSeconds.toFixed(1)} s = ${result.requestsPerSecond} req/s (${result.ofLimit} of ${rate}), ${fmt(result.recordsPerSecond)} records/s, ${stats.throttled} × 429`);
    return 0;
  } finally {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main(process.argv.slice(2));

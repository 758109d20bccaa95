/**
 * The sink contract on the HTTP API sink, against the Zoho-style fake CRM on loopback: a fresh
 * API per test, whose modules refuse what a CRM refuses (a required name, its length, a unique
 * e-mail, a day that does not exist, a lookup to no customer, deleting a customer its orders
 * reference). Patches, archives and re-points go through its update endpoint by external id
 * (`X-EXTERNAL`, as Zoho's external-id fields). The rows are read back from the fake's own store.
 */
import { describe } from 'vitest';
import { parseConnectionUrl } from '../../connectors/connection-url.js';
import { httpApiConnector } from '../../connectors/http-api/http-connector.js';
import type { HttpApiSink } from '../../connectors/http-api/http-sink.js';
import type { Sink, WriteOptions } from '../../connectors/sink.js';
import { describeSinkContract, type StoredRow } from '../contract/sink-contract.js';
import { FakeCrmApi } from '../support/fake-crm-api.js';

const PARENT = 'contract_customers';
const CHILD = 'contract_orders';

const SETTINGS = {
  // A few records per call, so that a batch spans calls and one call mixes successes and refusals.
  upsert: { path: '/crm/v8/{module}/upsert', records_per_call: 10, body: { duplicate_check_fields: ['{key}'] } },
  update: { path: '/crm/v8/{module}', headers: { 'X-EXTERNAL': '{module}.{key}' } },
  delete: { path: '/crm/v8/{module}/{id}' },
  count: { path: '/crm/v8/{module}/actions/count' },
  limits: { concurrency: 2, requests_per_interval: 1000, retries: 0 },
};

/**
 * The sink, each write in an idempotency scope of its own, as each run has: the suite's writes
 * stand for runs (a batch "sent twice" is a crash and a second run), and within one scope the
 * API would rightly answer a request sent again with its first answer ("inserted").
 */
function scopedPerWrite(sink: HttpApiSink): Sink {
  let writes = 0;
  return new Proxy(sink, {
    get(target, property) {
      if (property === 'write') {
        return (fn: Parameters<Sink['write']>[0], options: WriteOptions = {}) => target.write(fn, { ...options, idempotencyScope: options.idempotencyScope ?? `write ${++writes}` });
      }
      const value: unknown = Reflect.get(target, property, target);
      // Bound to the sink itself: its #private fields are not the proxy's.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A record as the fake stores it (the JSON it was sent), in the suite's terms. */
function storedRow(record: Record<string, unknown>): StoredRow {
  const row: Record<string, unknown> = { archived_at: null };
  for (const [field, value] of Object.entries(record)) {
    if (value === null || value === undefined) row[field] = null;
    else if (field === 'seen_at' || field === 'archived_at') row[field] = new Date(String(value));
    else if (field === 'id' || field === 'customer_id') row[field] = String(value);
    else row[field] = value;
  }
  return row as StoredRow;
}

describe('HTTP API target', () => {
  describeSinkContract('HTTP API', {
    // An API answers "updated" whether or not a value changed (connectors/http-api/http-sink.ts).
    countsWrites: true,
    async create() {
      const api = await FakeCrmApi.start({
        modules: {
          [PARENT]: { required: ['name'], maxLength: { name: 40 }, unique: ['email'], dates: ['born'] },
          [CHILD]: { lookups: { customer_id: PARENT } },
        },
      });
      const config = httpApiConnector.parseConfig(parseConnectionUrl(api.url), { baseDir: process.cwd(), settings: SETTINGS });
      const sink = await httpApiConnector.createSink!(config);
      return {
        sink: scopedPerWrite(sink),
        parent: { table: PARENT, key: 'legacy_id', id: 'id' },
        child: { table: CHILD, key: 'legacy_id', id: 'id', field: 'customer_id' },
        readRows: async (table) => api.records(table === 'parent' ? PARENT : CHILD).map(storedRow),
        cleanup: () => api.close(),
      };
    },
  });
});

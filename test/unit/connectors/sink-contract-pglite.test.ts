/**
 * The sink contract on PGlite, the embedded default target: no server, so it runs with the unit
 * tests. Opening a PGlite costs seconds (its WebAssembly PostgreSQL starts up), a dozen times
 * over a minute, so the file opens one database in a temporary folder, and each test creates the
 * contract's two tables in it and drops them afterwards. The suite closes the sink after each test:
 * it gets a view of the one sink whose `close` leaves it open, and the file closes it at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { parseConnectionUrl } from '../../../connectors/connection-url.js';
import { pgliteConnector } from '../../../connectors/pglite/pglite-connector.js';
import type { PgliteSink } from '../../../connectors/pglite/pglite-sink.js';
import type { Sink } from '../../../connectors/sink.js';
import { describeSinkContract } from '../../contract/sink-contract.js';
import { PG_CONTRACT_CHILD, PG_CONTRACT_DROP, PG_CONTRACT_PARENT, pgContractDdl, pgContractRow, pgContractSelect } from '../../support/pg-contract-tables.js';

let root: string;
let sink: PgliteSink;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'cutover-sink-pglite-'));
  sink = await pgliteConnector.createSink!(pgliteConnector.parseConfig(parseConnectionUrl(`pglite://${path.join(root, 'newcrm')}`), { baseDir: root }));
}, 120_000);

afterAll(async () => {
  await sink?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

/** The sink, with a `close` that leaves it open for the next test; every other member is the sink's own. */
function keptOpen(shared: PgliteSink): Sink {
  return new Proxy(shared, {
    get(target, property) {
      if (property === 'close') return async () => undefined;
      const value: unknown = Reflect.get(target, property, target);
      // Bound to the sink itself: its #private fields are not the proxy's.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describeSinkContract('PGlite', {
  async create() {
    await sql.raw(`${PG_CONTRACT_DROP} ${pgContractDdl()}`).execute(sink.db);
    return {
      sink: keptOpen(sink),
      parent: PG_CONTRACT_PARENT,
      child: PG_CONTRACT_CHILD,
      // Through the sink's own database: PGlite admits one process, and one session in it.
      readRows: async (table) => (await sql.raw<Record<string, unknown>>(pgContractSelect(table)).execute(sink.db)).rows.map(pgContractRow),
      cleanup: async () => void (await sql.raw(PG_CONTRACT_DROP).execute(sink.db)),
    };
  },
});

/**
 * The contract every `Source` keeps, as one vitest `describe` block per source (kysely's loop over
 * dialects, Meltano's `get_tap_test_class`). It knows nothing about files or databases: a fixture
 * puts {@link CONTRACT_ROWS} into its source and the suite reads them back.
 *
 * @example
 * describeSourceContract('csv', {
 *   create: async (rows) => ({ source, entity: { table: 'contract', key: 'id' }, cleanup }),
 *   normalize: (row) => ({ ...row, id: Number(row.id) }),
 * });
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadRequest, Source, SourceBatch, SourceEntity, SourceRejection, SourceRow } from '../../connectors/types.js';

/** One row of the contract data set. */
export interface ContractRow {
  id: number;
  name: string;
  /** `yyyy-MM-dd HH:mm:ss` */
  updated_at: string;
  /** A decimal as text (`1234.50`), or null. */
  amount: string | null;
  note: string | null;
}

/** Columns of {@link ContractRow}, in the order sources hold them. */
export const CONTRACT_COLUMNS = ['id', 'name', 'updated_at', 'amount', 'note'] as const;

/**
 * Texts with the quirks that break readers and writers: quotes, delimiters, CR/LF/CRLF line
 * breaks, tabs, Chinese, emoji, and spaces at either end. No empty strings (CSV cannot tell them
 * from NULL), no NUL and no other control characters (PostgreSQL text and XML refuse them).
 */
export const CONTRACT_TEXTS: readonly string[] = [
  'Acme Trading',
  'O\'Brien "Bob" & Sons',
  'comma, inside',
  'line\nbreak',
  'crlf\r\nbreak',
  'cr\ronly',
  'tab\there',
  '张伟',
  '北京市朝阳区建国路88号',
  'emoji 🎉👍🏽',
  '  leading spaces',
  'trailing spaces  ',
  ' both ',
  '"fully quoted"',
  'semi;colon|pipe',
  'back\\slash',
  'Ünïcödé café',
  'a,"b",c\r\n',
  `long ${'lorem ipsum dolor '.repeat(250)}end`,
];

const ROW_COUNT = 250;
/** Lengths of consecutive runs of rows that share `updated_at`, cycled. */
const TIE_RUNS = [1, 3, 1, 1, 4, 2, 1, 5, 1, 2] as const;

/**
 * 250 deterministic rows. `updated_at` has runs of equal values (ties of 2 to 5 rows), ids are a
 * shuffle (so neither the file order nor the id order is the keyset order), one in five amounts
 * and one in three notes are NULL. Sorted by id.
 */
export const CONTRACT_ROWS: readonly ContractRow[] = Object.freeze(buildContractRows());

function buildContractRows(): ContractRow[] {
  let seed = 0x2f6b3a1d;
  const random = () => {
    // mulberry32: small, deterministic, good enough to shuffle test data
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const ids = Array.from({ length: ROW_COUNT }, (_, i) => i + 1);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  const rows: ContractRow[] = [];
  let time = Date.UTC(2023, 11, 31, 22, 15, 0);
  let run = 0;
  let left: number = TIE_RUNS[0];
  for (let position = 0; position < ROW_COUNT; position++) {
    if (left === 0) {
      run++;
      left = TIE_RUNS[run % TIE_RUNS.length]!;
      time += (37 * 60 + (run % 50)) * 1000;
    }
    left--;
    const id = ids[position]!;
    const text = CONTRACT_TEXTS[position % CONTRACT_TEXTS.length]!;
    rows.push({
      id,
      name: position % 4 === 0 ? text : `${text} #${id}`,
      updated_at: new Date(time).toISOString().slice(0, 19).replace('T', ' '),
      amount: position % 5 === 2 ? null : (((id * 7919) % 2_000_000) / 100 - 5000).toFixed(2),
      note: position % 3 === 1 ? null : CONTRACT_TEXTS[(position * 7 + 3) % CONTRACT_TEXTS.length]!,
    });
  }
  return rows.sort((a, b) => a.id - b.id);
}

/** A source prepared by a fixture, and how to remove what the fixture made. */
export interface ContractSetup {
  source: Source;
  entity: SourceEntity;
  cleanup(): Promise<void>;
}

/** What a database server holds for one source. */
export interface ServerSessions {
  readonly open: number;
  readonly running: number;
}

export interface SourceContractFixture {
  /** A source whose entity holds exactly these rows (key column `id`, cursor column `updated_at` where the source supports cursors). */
  create(rows: readonly ContractRow[]): Promise<ContractSetup>;
  /** Optional: a source with some malformed records among good ones. */
  createWithMalformed?(): Promise<ContractSetup & { goodRows: number; malformed: number }>;
  /**
   * Optional: how many connections/handles the source holds open right now, for the leak check.
   * It is sampled after a complete read, so a pool's idle connections count in the baseline; count
   * what a leak would add (checked-out connections, open file descriptors).
   */
  openResources?(setup: ContractSetup): Promise<number>;
  /**
   * Optional (database sources): the sessions the server holds for this setup's source now, and
   * how many of them run a statement (`SHOW PROCESSLIST`, `pg_stat_activity`), to see that breaks,
   * aborts and failures leave nothing running there, the pool no larger than `poolSize`, and
   * `close()` nothing at all. (The server cannot tell a pool's idle connection from a leaked one;
   * a read after `poolSize + 1` of each can: it would wait for a connection forever.)
   */
  serverSessions?(setup: ContractSetup): Promise<ServerSessions>;
  /**
   * Optional (database sources): a `where` that holds the first statement of a read in pages of 5
   * on the server for 20 s or more (`SLEEP(5) = 0`), for the abort-while-running checks.
   * Requires {@link serverSessions}.
   */
  slowScope?: string;
  /** Pool size, for the "break pool size + 1 times" leak check. @default 4 */
  poolSize?: number;
  /**
   * Values come back as strings (CSV) or typed (JSON, databases); normalise before comparing.
   * Applied to the rows read *and* to the expected rows, so it must accept both shapes, e.g.
   * `{ ...row, id: Number(row.id) }`.
   */
  normalize?(row: Readonly<Record<string, unknown>>): Record<string, unknown>;
}

/** Everything one read returned. */
export interface ReadResult {
  readonly batches: readonly SourceBatch[];
  readonly rows: readonly SourceRow[];
  readonly rejects: readonly SourceRejection[];
}

/** Reads to the end, keeping every batch. For tests: memory grows with the data. */
export async function readAll(source: Source, request: ReadRequest): Promise<ReadResult> {
  const batches: SourceBatch[] = [];
  for await (const batch of source.read(request)) batches.push(batch);
  return { batches, rows: batches.flatMap((b) => b.rows), rejects: batches.flatMap((b) => b.rejects) };
}

/** Registers the contract tests of one source. */
export function describeSourceContract(name: string, fixture: SourceContractFixture): void {
  const normalize = (row: Readonly<Record<string, unknown>>) => (fixture.normalize ? fixture.normalize(row) : { ...row });
  const poolSize = fixture.poolSize ?? 4;
  const byId = (rows: readonly Readonly<Record<string, unknown>>[]) => [...rows].sort((a, b) => Number(a.id) - Number(b.id));
  // Keyset order, computed here from the data (ASCII timestamps and integer ids sort the same everywhere).
  const keysetOrder = [...CONTRACT_ROWS].sort((a, b) => (a.updated_at < b.updated_at ? -1 : a.updated_at > b.updated_at ? 1 : a.id - b.id)).map((r) => r.id);
  const updatedAt = new Map(CONTRACT_ROWS.map((r) => [r.id, r.updated_at]));

  describe(`${name} source contract`, () => {
    let setup: ContractSetup;
    let source: Source;
    let entity: SourceEntity;

    beforeAll(async () => {
      setup = await fixture.create(CONTRACT_ROWS);
      ({ source, entity } = setup);
    });

    afterAll(async () => {
      await setup?.source.close();
      await setup?.cleanup();
    });

    it('reads every row exactly once, with its values, key and a distinct origin', async () => {
      const { rows, rejects } = await readAll(source, { entity, batchSize: 50 });
      expect(rejects).toEqual([]);
      expect(rows.map((r) => r.key).sort()).toEqual(CONTRACT_ROWS.map((r) => String(r.id)).sort());
      expect(rows.filter((r) => r.key !== String(r.data.id)).map((r) => r.key)).toEqual([]);
      expect(byId(rows.map((r) => normalize(r.data)))).toEqual(byId(CONTRACT_ROWS.map((r) => normalize({ ...r }))));
      expect(rows.filter((r) => typeof r.origin !== 'string' || r.origin === '')).toEqual([]);
      expect(new Set(rows.map((r) => r.origin)).size).toBe(rows.length);
    });

    it.each([1, 7, 1000])('keeps every batch within batchSize %i and fills all but the last', async (batchSize) => {
      const { batches, rows } = await readAll(source, { entity, batchSize });
      const sizes = batches.map((b) => b.rows.length + b.rejects.length);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(batchSize);
      expect(rows.length).toBe(CONTRACT_ROWS.length);
      expect(new Set(rows.map((r) => r.key)).size).toBe(CONTRACT_ROWS.length);
      expect(batches.length).toBe(Math.ceil(CONTRACT_ROWS.length / batchSize));
    });

    it('reads in keyset order (updated_at, id) and resumes after every batch with no gap and no duplicate', async (context) => {
      if (!source.capabilities.resumable) context.skip('the source is not resumable');
      expect(entity.cursor).toBe('updated_at');
      const { batches, rows } = await readAll(source, { entity, batchSize: 7 });
      expect(rows.map((r) => Number(r.key))).toEqual(keysetOrder);
      let done = 0;
      let insideTies = 0;
      for (const [index, batch] of batches.entries()) {
        done += batch.rows.length;
        expect(String(batch.last.key), `watermark of batch ${index}`).toBe(batch.rows[batch.rows.length - 1]?.key);
        const rest = await readAll(source, { entity, after: batch.last, batchSize: 50 });
        expect(rest.rows.map((r) => Number(r.key)), `after batch ${index}, watermark ${JSON.stringify(batch.last)}`).toEqual(keysetOrder.slice(done));
        if (isInsideTie(done)) insideTies++;
      }
      // The data set must put some watermarks inside a run of equal cursors, or the test proves little.
      expect(insideTies).toBeGreaterThan(0);
    });

    it('resumes from a watermark inside every run of equal updated_at values', async (context) => {
      if (!source.capabilities.resumable) context.skip('the source is not resumable');
      const { batches } = await readAll(source, { entity, batchSize: 1 });
      const positions = keysetOrder.map((_, i) => i + 1).filter(isInsideTie);
      expect(positions.length).toBeGreaterThan(10);
      for (const done of positions) {
        const mark = batches[done - 1]!.last;
        const rest = await readAll(source, { entity, after: mark, batchSize: 50 });
        expect(rest.rows.map((r) => Number(r.key)), `after row ${done}, watermark ${JSON.stringify(mark)}`).toEqual(keysetOrder.slice(done));
      }
    });

    it(`releases everything when the consumer breaks out in the middle, ${poolSize + 1} times, and still reads afterwards`, async () => {
      await readAll(source, { entity, batchSize: 100 });
      const before = await held(setup);
      for (let attempt = 0; attempt < poolSize + 1; attempt++) {
        let seen = 0;
        for await (const _batch of source.read({ entity, batchSize: 5 })) {
          if (++seen === 2) break;
        }
        expect(seen).toBe(2);
      }
      await expectReleased(setup, before);
      expect((await readWithin(source, { entity, batchSize: 100 })).rows.length).toBe(CONTRACT_ROWS.length);
    });

    it('stops with an AbortError when the signal aborts, and releases everything', async () => {
      await readAll(source, { entity, batchSize: 100 });
      const before = await held(setup);
      const controller = new AbortController();
      let seen = 0;
      const reading = (async () => {
        for await (const _batch of source.read({ entity, batchSize: 5, signal: controller.signal })) {
          if (++seen === 2) controller.abort();
        }
      })();
      await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
      expect(seen).toBe(2);
      await expect(readAll(source, { entity, batchSize: 5, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
      await expectReleased(setup, before);
    });

    it('stops at once when aborted while the database runs its statement, and the database stops it too', async (context) => {
      if (!fixture.slowScope || !fixture.serverSessions) context.skip('the source runs no statement on a server');
      const running = async () => (await fixture.serverSessions!(setup)).running;
      const controller = new AbortController();
      const reading = readAll(source, { entity: { ...entity, where: fixture.slowScope }, batchSize: 5, signal: controller.signal });
      reading.catch(() => undefined);
      await settles(running, (n) => n > 0, "the read's statement running on the server");
      const abortedAt = performance.now();
      controller.abort();
      await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
      expect(performance.now() - abortedAt).toBeLessThan(1_000);
      // Well before the statement's own end (20 s or more): the server was told to stop it.
      await settles(running, (n) => n === 0, 'no statement running', 10_000);
      expect((await readWithin(source, { entity, batchSize: 100 })).rows.length).toBe(CONTRACT_ROWS.length);
    });

    it(`holds nothing more after reads broken out of, aborted or failed, ${poolSize + 1} times each, and nothing once closed (twice)`, async () => {
      const own = await fixture.create(CONTRACT_ROWS.slice(0, 30));
      try {
        const request = { entity: own.entity, batchSize: 5 };
        await readAll(own.source, request);
        const before = await held(own);
        const leaveReadsEarly = async () => {
          for (let attempt = 0; attempt < poolSize + 1; attempt++) await leaveEachWay();
        };
        const leaveEachWay = async () => {
          for await (const _batch of own.source.read(request)) break;
          const controller = new AbortController();
          const aborted = (async () => {
            for await (const _batch of own.source.read({ ...request, signal: controller.signal })) controller.abort();
          })();
          await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
          // The next page on its way when the consumer leaves, or already there.
          for await (const _batch of own.source.read(request)) {
            await new Promise((resolve) => setTimeout(resolve, 5));
            break;
          }
          if (fixture.slowScope) {
            // Aborted while the server runs the statement: cancelled there, and its connection not given back.
            const slow = new AbortController();
            const reading = readAll(own.source, { ...request, entity: { ...own.entity, where: fixture.slowScope }, signal: slow.signal });
            reading.catch(() => undefined);
            await settles(async () => (await fixture.serverSessions!(own)).running, (running) => running > 0, "the read's statement running on the server");
            slow.abort();
            await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
          }
          await expect(readAll(own.source, { ...request, entity: { ...own.entity, table: 'no_such_table' } })).rejects.toThrow();
        };
        await within(leaveReadsEarly(), `${poolSize + 1} rounds of reads left early`, 30_000);
        await expectReleased(own, before);
        expect((await readWithin(own.source, request)).rows.length).toBe(30);
        await own.source.close();
        await expect(own.source.close()).resolves.toBeUndefined();
        if (fixture.openResources) await settles(() => fixture.openResources!(own), (open) => open === 0, 'nothing open once closed');
        if (fixture.serverSessions) await settles(async () => (await fixture.serverSessions!(own)).open, (open) => open === 0, 'no session on the server once closed');
      } finally {
        await own.source.close();
        await own.cleanup();
      }
    });

    it('returns malformed records as rejects with origins, and the good rows still arrive', async (context) => {
      if (!fixture.createWithMalformed) context.skip('the fixture has no malformed records');
      const malformed = await fixture.createWithMalformed!();
      try {
        expect(malformed.malformed).toBeGreaterThan(0);
        const { rows, rejects } = await readAll(malformed.source, { entity: malformed.entity, batchSize: 4 });
        expect(rows.length).toBe(malformed.goodRows);
        expect(rejects.length).toBe(malformed.malformed);
        expect(rejects.filter((r) => typeof r.origin !== 'string' || r.origin === '' || typeof r.reason !== 'string' || r.reason === '')).toEqual([]);
        const origins = new Set([...rows, ...rejects].map((r) => r.origin));
        expect(origins.size).toBe(rows.length + rejects.length);
        expect(await malformed.source.count(malformed.entity)).toBe(malformed.goodRows + malformed.malformed);
      } finally {
        await malformed.source.close();
        await malformed.cleanup();
      }
    });

    it('counts every record', async () => {
      expect(await source.count(entity)).toBe(CONTRACT_ROWS.length);
    });

    it('describes the columns in source order', async () => {
      const columns = await source.describe(entity);
      expect(columns.map((c) => c.name)).toEqual([...CONTRACT_COLUMNS]);
      expect(columns.filter((c) => typeof c.type !== 'string' || c.type === '' || typeof c.nullable !== 'boolean')).toEqual([]);
    });

    it('closes idempotently', async () => {
      const small = await fixture.create(CONTRACT_ROWS.slice(0, 3));
      try {
        expect((await readAll(small.source, { entity: small.entity, batchSize: 10 })).rows.length).toBe(3);
        await small.source.close();
        await expect(small.source.close()).resolves.toBeUndefined();
      } finally {
        await small.cleanup();
      }
    });
  });

  /** What the source holds after a complete read: the baseline a leak would add to. */
  async function held(target: ContractSetup): Promise<number | undefined> {
    return fixture.openResources ? fixture.openResources(target) : undefined;
  }

  /** Nothing more held than `before`; on a server, nothing running and no more sessions than the pool's. */
  async function expectReleased(target: ContractSetup, before: number | undefined): Promise<void> {
    if (before !== undefined) await settles(() => fixture.openResources!(target), (open) => open <= before, `at most the ${before} open after a complete read`);
    if (fixture.serverSessions) {
      await settles(async () => (await fixture.serverSessions!(target)).running, (running) => running === 0, 'no statement running on the server');
      await settles(async () => (await fixture.serverSessions!(target)).open, (open) => open <= poolSize, `at most ${poolSize} sessions (the pool) on the server`);
    }
  }

  /** A complete read that must not wait for a connection a leak kept from the pool. */
  function readWithin(target: Source, request: ReadRequest, timeoutMs = 15_000): Promise<ReadResult> {
    return within(readAll(target, request), 'a read', timeoutMs);
  }

  /** True when the rows before and after position `done` (a count of rows read) share `updated_at`. */
  function isInsideTie(done: number): boolean {
    const before = keysetOrder[done - 1];
    const after = keysetOrder[done];
    return before !== undefined && after !== undefined && updatedAt.get(before) === updatedAt.get(after);
  }
}

/**
 * Waits until `measure()` satisfies `done`, then passes; fails with the last value after
 * `timeoutMs`. A server drops a closed connection, or ends a cancelled statement, a moment after
 * the client let go of it.
 */
export async function settles(measure: () => Promise<number>, done: (value: number) => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await measure();
    if (done(value)) return;
    if (performance.now() > deadline) {
      expect(value, `waited ${timeoutMs} ms for ${what}`).toBe('reached');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * `promise`, or a failure naming `what` after `timeoutMs`: a source that kept something from its
 * pool makes the next operation wait for it forever.
 */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not end within ${timeoutMs} ms: something was not given back (a pool waits for a connection)`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, stuck]);
  } finally {
    clearTimeout(timer);
  }
}

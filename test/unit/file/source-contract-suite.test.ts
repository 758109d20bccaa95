/**
 * The contract suite checked on itself. No file source is resumable, so its keyset checks run here
 * against a small in-memory keyset source, before the database sources rely on them.
 */
import { describe, expect, it } from 'vitest';
import type { ColumnInfo, ReadRequest, Row, Source, SourceBatch, SourceEntity, Watermark } from '../../../connectors/types.js';
import { CONTRACT_COLUMNS, CONTRACT_ROWS, CONTRACT_TEXTS, describeSourceContract, type ContractRow } from '../../contract/source-contract.js';

/** Rows in `(updated_at, id)` order, read in pages strictly after a watermark, like the SQL sources. */
class MemoryKeysetSource implements Source {
  readonly capabilities = { resumable: true, pushdownWhere: false, uniqueKeys: true, keyLookup: false };
  open = 0;
  readonly #rows: readonly Row[];

  constructor(rows: readonly Row[]) {
    this.#rows = [...rows].sort((a, b) => compare(a, b));
  }

  async *read(request: ReadRequest): AsyncGenerator<SourceBatch> {
    request.signal?.throwIfAborted();
    if (request.entity.table !== 'memory') throw new Error(`no table ${request.entity.table}`);
    this.open++;
    try {
      let after: Watermark | null = request.after ?? null;
      for (;;) {
        await Promise.resolve();
        request.signal?.throwIfAborted();
        const page = this.#rows.filter((row) => after === null || compare(row, { updated_at: after.cursor, id: after.key }) > 0).slice(0, request.batchSize);
        if (page.length === 0) return;
        const last = page[page.length - 1]!;
        after = { cursor: last.updated_at as string, key: last.id as number };
        yield { rows: page.map((data) => ({ key: String(data.id), data, origin: `memory id=${String(data.id)}` })), rejects: [], last: after };
        if (page.length < request.batchSize) return;
      }
    } finally {
      this.open--;
    }
  }

  async count(): Promise<number> {
    return this.#rows.length;
  }

  async describe(_entity: SourceEntity): Promise<readonly ColumnInfo[]> {
    return CONTRACT_COLUMNS.map((name) => ({ name, type: name === 'id' ? 'int' : 'text', nullable: name !== 'id' }));
  }

  async close(): Promise<void> {}
}

function compare(a: Row, b: Row): number {
  const [x, y] = [String(a.updated_at), String(b.updated_at)];
  return x < y ? -1 : x > y ? 1 : Number(a.id) - Number(b.id);
}

describeSourceContract('in-memory keyset', {
  create: async (rows) => ({ source: new MemoryKeysetSource(rows as unknown as Row[]), entity: { table: 'memory', key: 'id', cursor: 'updated_at' }, cleanup: async () => {} }),
  openResources: async (setup) => (setup.source as MemoryKeysetSource).open,
});

describe('CONTRACT_ROWS', () => {
  it('has the quirks the contract promises', () => {
    const texts = CONTRACT_ROWS.flatMap((r: ContractRow) => [r.name, r.note ?? '']).join('\u0000');
    expect(CONTRACT_ROWS.length).toBe(250);
    expect(new Set(CONTRACT_ROWS.map((r) => r.id)).size).toBe(250);
    for (const needle of ['"', ',', '\r\n', '\n', '\t', '张', '🎉', ' both ', '  leading']) expect(texts).toContain(needle);
    expect(texts).toMatch(/[^\n]\r[^\n]/); // a CR on its own
    expect(CONTRACT_ROWS.some((r) => r.amount === null) && CONTRACT_ROWS.some((r) => r.note === null)).toBe(true);
    expect(CONTRACT_ROWS.every((r) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(r.updated_at))).toBe(true);
    expect(CONTRACT_TEXTS.every((t) => t !== '' && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(t))).toBe(true);
    // Ids are not in updated_at order, and updated_at has ties.
    const byTime = [...CONTRACT_ROWS].sort((a, b) => (a.updated_at < b.updated_at ? -1 : a.updated_at > b.updated_at ? 1 : a.id - b.id));
    expect(byTime.map((r) => r.id)).not.toEqual([...byTime.map((r) => r.id)].sort((a, b) => a - b));
    expect(new Set(CONTRACT_ROWS.map((r) => r.updated_at)).size).toBeLessThan(200);
  });
});

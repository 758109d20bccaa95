import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileWriter } from '../../../connectors/file/file-writer.js';
import { readReviewDecisions } from '../../../pipelines/runner/review/review-file.js';
import type { DedupePlan } from '../../../transforms/dedupe/dedupe-plan.js';
import type { EntityMapping } from '../../../transforms/entity-mapping.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cutover-review-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mappingFor = (reviewFile: string) => ({ entity: 'customers', dedupe: { reviewFile } as DedupePlan }) as unknown as EntityMapping & { dedupe: DedupePlan };
const COLUMNS = ['decision', 'status', 'score', 'rule', 'key_a', 'key_b', 'a name', 'b name'];

describe('review file decisions', () => {
  it.each(['csv', 'xlsx'] as const)('reads the decisions marked in a %s file, in any usual spelling, and skips unmarked lines', async (format) => {
    const file = path.join(dir, `customers.${format}`);
    const writer = await createFileWriter(file, { format, columns: COLUMNS, bom: true });
    await writer.write([
      { decision: 'Merge', status: 'to review', score: 0.93, rule: 'same name in the same city', key_a: '12', key_b: '40', 'a name': 'Acme', 'b name': 'ACME Ltd' },
      { decision: '', status: 'to review', score: 0.91, rule: 'same name in the same city', key_a: '13', key_b: '41', 'a name': '华为', 'b name': '华为技术' },
      { decision: 'keep apart', status: 'merged', score: 1, rule: 'same e-mail', key_a: '7', key_b: '9', 'a name': 'Statcom', 'b name': 'Statcode' },
      { decision: 'Keep_Apart', status: 'merged', score: 1, rule: 'same e-mail', key_a: '8', key_b: '10', 'a name': 'x', 'b name': 'y' },
    ]);
    await writer.close();
    expect(await readReviewDecisions(mappingFor(file))).toEqual([
      { a: '12', b: '40', decision: 'merge' },
      { a: '7', b: '9', decision: 'keep_apart' },
      { a: '8', b: '10', decision: 'keep_apart' },
    ]);
  });

  it('has no decisions before the first review file exists', async () => {
    expect(await readReviewDecisions(mappingFor(path.join(dir, 'missing.csv')))).toEqual([]);
  });

  it('stops on a decision it does not understand, and on a line it cannot read, naming the line', async () => {
    const file = path.join(dir, 'customers.csv');
    await writeFile(file, `${COLUMNS.join(',')}\nmaybe,to review,0.9,r,1,2,a,b\n`);
    await expect(readReviewDecisions(mappingFor(file))).rejects.toThrow(/customers\.csv \(customers\.csv:2\): decision `maybe` is not understood; write `merge` or `keep apart`/);
    await writeFile(file, `${COLUMNS.join(',')}\nkeep apart,,,1,2\n`);
    await expect(readReviewDecisions(mappingFor(file))).rejects.toThrow(/customers\.csv:2\): the record has 5 fields but the header has 8/);
  });
});

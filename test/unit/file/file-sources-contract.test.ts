/**
 * The shared source contract, run on every file format through the `file://` connector: a folder
 * holding one file per format, found by its bare table name.
 */
import { mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConnectionUrl } from '../../../connectors/connection-url.js';
import { fileConnector } from '../../../connectors/file/file-connector.js';
import { createFileWriter, type FileWriteFormat } from '../../../connectors/file/file-writer.js';
import type { Row } from '../../../connectors/types.js';
import { CONTRACT_COLUMNS, describeSourceContract, type ContractRow, type ContractSetup, type SourceContractFixture } from '../../contract/source-contract.js';

type Format = 'csv' | 'tsv' | 'xlsx' | 'json' | 'jsonl';

const filesOfSetup = new WeakMap<ContractSetup, string>();

/** A folder with `contract.<ext>` holding `records` (objects, or raw text for malformed files). */
async function makeSetup(format: Format, content: readonly Row[] | string, query = ''): Promise<ContractSetup> {
  const folder = await mkdtemp(path.join(tmpdir(), `cutover-contract-${format}-`));
  const file = path.join(folder, `contract.${format}`);
  if (typeof content === 'string') await writeFile(file, content);
  else await writeRows(file, format, content);
  const source = fileConnector.createSource!(fileConnector.parseConfig(parseConnectionUrl(`file://${folder}${query}`), { baseDir: '/' }));
  const setup: ContractSetup = {
    source,
    entity: { table: 'contract', key: 'id' },
    cleanup: () => rm(folder, { recursive: true, force: true }),
  };
  filesOfSetup.set(setup, file);
  return setup;
}

async function writeRows(file: string, format: Format, rows: readonly Row[]): Promise<void> {
  if (format === 'json') {
    await writeFile(file, `[\n${rows.map((row) => JSON.stringify(row)).join(',\n')}\n]\n`);
    return;
  }
  if (format === 'tsv') {
    const field = (value: unknown) => {
      const text = value === null || value === undefined ? '' : String(value);
      return /["\t\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    };
    await writeFile(file, [CONTRACT_COLUMNS.join('\t'), ...rows.map((row) => CONTRACT_COLUMNS.map((c) => field(row[c])).join('\t'))].join('\n') + '\n');
    return;
  }
  const writer = await createFileWriter(file, { format: format as FileWriteFormat, columns: CONTRACT_COLUMNS, bom: format === 'csv' });
  await writer.write(rows);
  await writer.close();
}

/** File descriptors of this process that point at the fixture file. */
async function openDescriptors(setup: ContractSetup): Promise<number> {
  const file = filesOfSetup.get(setup);
  let count = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target === file) count++;
  }
  return count;
}

/** CSV cannot tell NULL from '' and has no numbers. */
const fromText = (row: Readonly<Record<string, unknown>>) => ({
  ...row,
  id: Number(row.id),
  amount: row.amount === '' ? null : row.amount,
  note: row.note === '' ? null : row.note,
});

/** XML normalises CR and CRLF to LF, so an .xlsx written by exceljs cannot hold a carriage return. */
const withoutCarriageReturns = (row: Readonly<Record<string, unknown>>) =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' ? v.replace(/\r\n?/g, '\n') : v]));

const good = (id: number): ContractRow => ({ id, name: `good ${id}`, updated_at: '2024-01-01 00:00:00', amount: '1.00', note: null });

function fixture(format: Format, malformed: () => Promise<ContractSetup & { goodRows: number; malformed: number }>, normalize?: SourceContractFixture['normalize']): SourceContractFixture {
  return {
    create: (rows) => makeSetup(format, rows as unknown as Row[]),
    createWithMalformed: malformed,
    openResources: openDescriptors,
    poolSize: 4,
    normalize,
  };
}

describeSourceContract(
  'csv',
  fixture(
    'csv',
    async () => ({
      ...(await makeSetup(
        'csv',
        [
          'id,name,updated_at,amount,note',
          '1,good,2024-01-01 00:00:00,1.00,',
          '2,too,many,fields,here,!',
          '3,"multi',
          'line",2024-01-01 00:00:00,,',
          ',no key,2024-01-01 00:00:00,,',
          '4,too few',
          '5,good,2024-01-01 00:00:00,,"note"',
          '6,"unterminated,2024-01-01 00:00:00,,',
          '',
        ].join('\r\n'),
      )),
      goodRows: 3,
      malformed: 4,
    }),
    fromText,
  ),
);

describeSourceContract(
  'tsv',
  fixture(
    'tsv',
    async () => ({
      ...(await makeSetup('tsv', 'id\tname\tupdated_at\tamount\tnote\n1\tgood\t2024-01-01 00:00:00\t\t\n2\tshort\n\n3\tgood\tx\ty\tz\n')),
      goodRows: 2,
      malformed: 1,
    }),
    fromText,
  ),
);

describeSourceContract(
  'xlsx',
  fixture(
    'xlsx',
    async () => {
      const setup = await makeSetup('xlsx', [good(1), { ...good(2), id: null }, good(3), { ...good(4), id: '' }] as unknown as Row[]);
      return { ...setup, goodRows: 2, malformed: 2 };
    },
    withoutCarriageReturns,
  ),
);

describeSourceContract(
  'json',
  fixture('json', async () => ({
    ...(await makeSetup('json', `[${JSON.stringify(good(1))}, 42, {"name": "no id"}, ${JSON.stringify(good(2))}, [1, 2], {"id": {"nested": true}}, ${JSON.stringify(good(3))}]`)),
    goodRows: 3,
    malformed: 4,
  })),
);

describeSourceContract(
  'jsonl',
  fixture('jsonl', async () => ({
    ...(await makeSetup('jsonl', [JSON.stringify(good(1)), '{"id": 2, "name": "cut off', '', '[1,2]', JSON.stringify(good(3)), '{"id": ""}', JSON.stringify(good(4))].join('\n'))),
    goodRows: 3,
    malformed: 3,
  })),
);

/**
 * Writes what the legacy CRM's export produces: `customers.csv` (UTF-8 with BOM, as Excel
 * expects), `opportunities.xlsx` (one sheet, real date cells), `tickets.jsonl`, plus
 * `ground-truth.json` for tests. Column names are the MySQL column names, so one mapping file
 * reads the export and the database alike. Children are streamed in batches.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createFileWriter, type RecordWriter } from '../../connectors/file/file-writer.js';
import { generateLegacyCrm } from './generate.js';
import { formatGroundTruth, GroundTruthCollector, type GroundTruth } from './ground-truth.js';
import type { LegacyCrmOptions } from './legacy-crm-options.js';
import { columnNames } from './legacy-schema.js';

/** File names inside the export folder. */
export const LEGACY_EXPORT_FILES = {
  customers: 'customers.csv',
  opportunities: 'opportunities.xlsx',
  tickets: 'tickets.jsonl',
  groundTruth: 'ground-truth.json',
} as const;

/** Rows handed to a writer at a time. */
const BATCH_ROWS = 1000;

export interface LegacyExport {
  /** Absolute path of the export folder. */
  readonly dir: string;
  /** Absolute paths of the files written. */
  readonly files: { readonly [K in keyof typeof LEGACY_EXPORT_FILES]: string };
  readonly counts: GroundTruth['counts'];
  readonly groundTruth: GroundTruth;
}

/**
 * Generates the legacy CRM for `options` and writes its export into `dir` (created if missing;
 * existing files are replaced).
 * @example await writeLegacyExport('./legacy-export', { seed: 42 })
 */
export async function writeLegacyExport(dir: string, options: Partial<LegacyCrmOptions> = {}): Promise<LegacyExport> {
  const crm = generateLegacyCrm(options);
  const root = path.resolve(dir);
  const files = {
    customers: path.join(root, LEGACY_EXPORT_FILES.customers),
    opportunities: path.join(root, LEGACY_EXPORT_FILES.opportunities),
    tickets: path.join(root, LEGACY_EXPORT_FILES.tickets),
    groundTruth: path.join(root, LEGACY_EXPORT_FILES.groundTruth),
  };
  const collector = new GroundTruthCollector(crm);

  await writeAll(await createFileWriter(files.customers, { format: 'csv', columns: columnNames('customers'), bom: true }), crm.customers);
  await writeAll(
    await createFileWriter(files.opportunities, { format: 'xlsx', columns: columnNames('opportunities'), sheetName: 'opportunities' }),
    crm.opportunities(),
    (row) => collector.addOpportunity(row),
  );
  await writeAll(await createFileWriter(files.tickets, { format: 'jsonl', columns: columnNames('tickets') }), crm.tickets(), (row) => collector.addTicket(row));

  const groundTruth = collector.result();
  await writeFile(files.groundTruth, formatGroundTruth(groundTruth), 'utf8');
  return { dir: root, files, counts: groundTruth.counts, groundTruth };
}

/** Streams rows into a writer in batches and closes it, also when a write fails. */
async function writeAll<Row extends Readonly<Record<string, unknown>>>(writer: RecordWriter, rows: Iterable<Row>, seen?: (row: Row) => void): Promise<void> {
  try {
    let batch: Row[] = [];
    for (const row of rows) {
      seen?.(row);
      batch.push(row);
      if (batch.length === BATCH_ROWS) {
        await writer.write(batch);
        batch = [];
      }
    }
    await writer.write(batch);
  } finally {
    await writer.close();
  }
}

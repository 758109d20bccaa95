/**
 * The tables `cutover init` looks at: the catalog of a database source (through the connector's
 * `introspect`), or the files of an export folder (`listTables` and `describe`), each with the
 * first rows in key order as a bounded sample, read by the connector's own `read`.
 */
import type { Row, Source, TableSchema } from '../../connectors/types.js';
import { RunError } from '../errors.js';

export interface SampledTable {
  readonly schema: TableSchema;
  /** The legacy key: the single-column primary key, or for a file the column that looks like one. */
  readonly key: string;
  /** Why the key is that column (files only), for the mapping's comment. */
  readonly keyNote: string | null;
  readonly sample: readonly Row[];
}

export interface SkippedTable {
  readonly table: string;
  readonly reason: string;
}

export interface SourceTables {
  /** Database tables have types, keys and indexes; export files have column names only. */
  readonly kind: 'database' | 'files';
  readonly tables: readonly SampledTable[];
  readonly skipped: readonly SkippedTable[];
}

export interface ReadTablesOptions {
  /** Tables to take, in this order; null takes every table that can be read by key. */
  readonly only: readonly string[] | null;
  /** Rows read per table for the sample. */
  readonly sampleRows: number;
  readonly signal?: AbortSignal | undefined;
  /** `MySQL host:3306/db`, for messages. */
  readonly sourceName: string;
}

export async function readSourceTables(source: Source, options: ReadTablesOptions): Promise<SourceTables> {
  const kind = source.introspect ? 'database' : 'files';
  const all = source.introspect ? await source.introspect(options.signal) : await describeFiles(source, options);
  const chosen = chooseTables(all, options);
  const tables: SampledTable[] = [];
  const skipped: SkippedTable[] = [];
  for (const table of chosen) {
    const explicit = options.only !== null;
    const skip = (reason: string) => {
      // A table asked for by name that cannot be read is an error; one of a whole source is left out with the reason.
      if (explicit) throw new RunError(`${options.sourceName}: table \`${table.name}\` ${reason}`, { hint: 'leave it out of --tables, or fix it at the source' });
      skipped.push({ table: table.name, reason });
    };
    if (table.columns.length === 0) {
      skip('has no columns');
      continue;
    }
    const keyed = kind === 'database' ? databaseKey(table) : fileKey(table);
    if (typeof keyed === 'string') {
      skip(keyed);
      continue;
    }
    try {
      const sample = await readSample(source, table.name, keyed.key, options);
      const checked = kind === 'files' ? checkFileKey(table, keyed, sample) : keyed;
      tables.push({ schema: table, key: checked.key, keyNote: checked.note, sample });
    } catch (error) {
      if (error instanceof RunError || explicit) throw error;
      skip(`could not be read: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return { kind, tables, skipped };
}

function chooseTables(all: readonly TableSchema[], options: ReadTablesOptions): TableSchema[] {
  if (options.only === null) return [...all];
  const byName = new Map(all.map((t) => [t.name, t]));
  return options.only.map((name) => {
    const table = byName.get(name) ?? all.find((t) => t.name.toLowerCase() === name.toLowerCase());
    if (!table) {
      const known = all.map((t) => t.name);
      const shown = known.length > 20 ? `${known.slice(0, 20).join(', ')} and ${known.length - 20} more` : known.join(', ') || 'none';
      throw new RunError(`${options.sourceName} has no table \`${name}\`; it holds ${shown}`, { hint: 'check --tables (comma-separated table names)' });
    }
    return table;
  });
}

/** Files have names only: a sample of columns, no keys or indexes. A file that cannot be described is left out. */
async function describeFiles(source: Source, options: ReadTablesOptions): Promise<TableSchema[]> {
  if (!source.listTables) throw new RunError(`${options.sourceName} cannot list its tables; cutover init reads a database or an export folder`);
  const tables: TableSchema[] = [];
  for (const table of await source.listTables(options.signal)) {
    const columns = await source.describe({ table: table.name, key: '' }).catch(() => []);
    tables.push({ ...table, columns, foreignKeys: [], indexes: [] });
  }
  return tables;
}

function databaseKey(table: TableSchema): { key: string; note: null } | string {
  const [key, ...more] = table.primaryKey;
  if (key === undefined) return 'has no primary key (cutover reads a table in the order of one key column)';
  if (more.length > 0) return `has a primary key of ${table.primaryKey.length} columns (${table.primaryKey.join(', ')}); cutover reads a table in the order of one key column`;
  return { key, note: null };
}

const KEY_NAMES = /^(id|_id|key|uuid|guid)$/i;

/** The column of a file that names its records: `id` (or `<table>_id`), else the first column. */
function fileKey(table: TableSchema): { key: string; note: string } {
  const singular = table.name.replace(/(ies)$/i, 'y').replace(/s$/i, '');
  const named = table.columns.find((c) => KEY_NAMES.test(c.name)) ?? table.columns.find((c) => c.name.toLowerCase() === `${singular.toLowerCase()}_id`);
  if (named) return { key: named.name, note: `\`${named.name}\` is the key: its name says so` };
  const first = table.columns[0]!;
  return { key: first.name, note: `\`${first.name}\` is the key: the first column` };
}

/** A file's key must be unique and present in the sample, or the mapping would merge or reject records. */
function checkFileKey(table: TableSchema, keyed: { key: string; note: string | null }, sample: readonly Row[]): { key: string; note: string } {
  const note = keyed.note ?? `\`${keyed.key}\` is the key`;
  const values = sample.map((row) => row[keyed.key]);
  const unique = new Set(values.map(String)).size === values.length && values.every((v) => v !== null && v !== undefined && v !== '');
  if (unique) return { key: keyed.key, note: `${note}, unique in the ${sample.length} rows sampled` };
  const other = table.columns.find((c) => {
    const column = sample.map((row) => row[c.name]);
    return column.every((v) => v !== null && v !== undefined && v !== '') && new Set(column.map(String)).size === column.length;
  });
  if (other && sample.length > 0) return { key: other.name, note: `\`${other.name}\` is the key: the first column unique in the ${sample.length} rows sampled` };
  return { key: keyed.key, note: `${note}; NOT unique in the sample: records with a key seen before are rejected, choose another key if there is one` };
}

/** The first `sampleRows` rows in key order: one batch of the connector's own read, which a `break` closes. */
async function readSample(source: Source, table: string, key: string, options: ReadTablesOptions): Promise<Row[]> {
  for await (const batch of source.read({ entity: { table, key }, batchSize: options.sampleRows, signal: options.signal })) {
    return batch.rows.map((row) => row.data);
  }
  return [];
}

/**
 * The entities `cutover init` writes, decided from the sampled tables: names, key, cursor,
 * soft-delete flag, one field per column with its suggestion, lookups from foreign keys (declared,
 * or read from names like `account_id` where the schema declares none), and the order in which
 * parents come before the entities that look them up.
 */
import { quotePgName } from '../../connectors/sql/quote-name.js';
import type { ColumnInfo, TableSchema } from '../../connectors/types.js';
import { suggestColumn } from './column-suggestion.js';
import { presentValues, type TransformItem } from './sample-values.js';
import type { SampledTable } from './source-tables.js';

export interface FieldDraft {
  /** Target column (and field) name. */
  readonly name: string;
  /** Source column. */
  readonly from: string;
  readonly transforms: readonly TransformItem[];
  /** The parent entity (and target table) whose id the legacy key becomes; its migration references it. */
  readonly lookup: string | null;
  readonly required: boolean;
  readonly sqlType: string;
  readonly note: string;
  /** Left out of the mapping, with the reason (written as a comment). */
  readonly skip: string | null;
}

export interface EntityDraft {
  readonly entity: string;
  readonly table: string;
  readonly key: string;
  readonly keyNote: string | null;
  readonly cursor: { readonly column: string; readonly note: string } | null;
  /** Candidates passed over, or why there is none, for the comment. */
  readonly cursorNote: string;
  readonly softDelete: string | null;
  readonly fields: readonly FieldDraft[];
  readonly sampled: number;
  readonly columns: number;
}

/** Columns cutover's target tables have of their own; a source column of that name gets `source_` before it. */
const TARGET_OWN_COLUMNS = new Set(['id', 'legacy_id', 'archived_at']);
const SOFT_DELETE_NAMES = /^(deleted|is_deleted|isdeleted|deleted_flag|del_flag|is_removed|removed)$/i;
const CURSOR_NAMES = /^(updated(_at|_on|_date|_time)?|modified(_at|_on|_date|_time)?|date_modified|date_updated|last_modified(_at|_date|_on)?|last_updated(_at|_on)?|last_update|changed(_at|_on)?|update_time|modify_time|mtime|updatedat|modifiedat|lastmodifieddate)$/i;

/** Entity drafts in the order they must run: every parent before its children. */
export function draftEntities(tables: readonly SampledTable[], kind: 'database' | 'files'): EntityDraft[] {
  const entityNames = uniqueNames(tables.map((t) => t.schema.name));
  const entityOf = new Map(tables.map((t, i) => [t.schema.name, { entity: entityNames[i]!, key: t.key }]));
  const drafts = tables.map((table, i) => draftEntity(table, entityNames[i]!, entityOf, kind));
  return parentsFirst(drafts);
}

function draftEntity(table: SampledTable, entity: string, entityOf: ReadonlyMap<string, { entity: string; key: string }>, kind: 'database' | 'files'): EntityDraft {
  const { key, sample } = table;
  // An export file's column "types" (`text`, `cell`, `json`) say how it was read, not what it holds: its values decide.
  const schema = kind === 'files' ? { ...table.schema, columns: table.schema.columns.map((c) => ({ ...c, type: 'text' })) } : table.schema;
  const softDelete = schema.columns.find((c) => SOFT_DELETE_NAMES.test(c.name) && isFlag(c, sample.map((r) => r[c.name])))?.name ?? null;
  const mapped = schema.columns.filter((c) => c.name !== key && c.name !== softDelete);
  const names = uniqueNames(mapped.map((c) => (TARGET_OWN_COLUMNS.has(c.name.toLowerCase()) ? `source_${c.name}` : c.name)), [...TARGET_OWN_COLUMNS]);
  const fields: FieldDraft[] = [
    { name: 'legacy_id', from: key, transforms: [], lookup: null, required: false, sqlType: 'text', note: `the legacy key${kind === 'database' ? ` (${describeType(schema.columns.find((c) => c.name === key))})` : ''}; upserts match on it`, skip: null },
  ];
  for (const [i, column] of mapped.entries()) {
    const values = sample.map((row) => row[column.name]);
    const parent = referencedEntity(schema, column, entityOf);
    const complete = presentValues(values).length === sample.length && sample.length > 0;
    const required = !column.nullable && complete;
    if (parent) {
      fields.push({ name: names[i]!, from: column.name, transforms: [], lookup: parent.entity, required, sqlType: 'uuid', note: parent.note, skip: null });
      continue;
    }
    const suggestion = suggestColumn(column, values);
    fields.push({ name: names[i]!, from: column.name, transforms: suggestion.transforms, lookup: null, required: required && suggestion.skip === undefined, sqlType: suggestion.sqlType, note: suggestion.note, skip: suggestion.skip ?? null });
  }
  const cursor = kind === 'database' ? chooseCursor(schema) : { chosen: null, note: 'export files are read whole on every run (no cursor)' };
  return { entity, table: schema.name, key, keyNote: table.keyNote, cursor: cursor.chosen, cursorNote: cursor.note, softDelete, fields, sampled: sample.length, columns: schema.columns.length };
}

/** The parent a column refers to: a declared single-column foreign key to a chosen table's key, else a name like `account_id`. */
function referencedEntity(schema: TableSchema, column: ColumnInfo, entityOf: ReadonlyMap<string, { entity: string; key: string }>): { entity: string; note: string } | null {
  const declared = schema.foreignKeys.find((fk) => fk.columns.length === 1 && fk.columns[0] === column.name);
  if (declared) {
    const parent = entityOf.get(declared.referencedTable);
    if (!parent || declared.referencedTable === schema.name || declared.referencedColumns[0] !== parent.key) return null;
    return { entity: parent.entity, note: `foreign key to ${declared.referencedTable}.${parent.key}: the legacy key becomes that row's new id; an orphan rejects its row` };
  }
  if (schema.foreignKeys.length > 0) return null;
  const stem = /^(.+?)_?id$/i.exec(column.name)?.[1]?.replace(/_$/, '');
  if (!stem || stem.length < 2) return null;
  for (const candidate of [stem, `${stem}s`, `${stem}es`, stem.replace(/y$/, 'ies')]) {
    const table = [...entityOf.keys()].find((name) => name.toLowerCase() === candidate.toLowerCase());
    if (table === undefined || table === schema.name) continue;
    const parent = entityOf.get(table)!;
    return { entity: parent.entity, note: `no foreign key is declared: \`${column.name}\` is read as a reference to ${table}.${parent.key} by its name; an orphan rejects its row` };
  }
  return null;
}

/** An `updated_at`-like timestamp column, preferring one an index leads with, then one that is NOT NULL. */
function chooseCursor(schema: TableSchema): { chosen: { column: string; note: string } | null; note: string } {
  const candidates = schema.columns
    .filter((c) => CURSOR_NAMES.test(c.name) && /^(datetime|timestamp)/i.test(c.type))
    .map((c) => ({ column: c, indexed: schema.indexes.some((index) => index[0] === c.name), score: (schema.indexes.some((index) => index[0] === c.name) ? 2 : 0) + (c.nullable ? 0 : 1) }))
    .sort((a, b) => b.score - a.score);
  const [best, ...others] = candidates;
  if (!best) return { chosen: null, note: 'no updated_at-like timestamp column: every run reads the whole table' };
  const why = [best.column.type, best.indexed ? 'indexed' : 'not indexed: add an index on it, or each incremental run scans the table', best.column.nullable ? 'nullable' : 'NOT NULL'].join(', ');
  const passed = others.length > 0 ? `; also considered: ${others.map((o) => o.column.name).join(', ')}` : '';
  return { chosen: { column: best.column.name, note: `${best.column.name} (${why}): incremental runs read only the rows it moved past${passed}` }, note: '' };
}

function isFlag(column: ColumnInfo, values: readonly unknown[]): boolean {
  if (/^(tinyint|boolean|bool|bit|smallint|int)/i.test(column.type)) return true;
  return presentValues(values).every((v) => ['0', '1', 'true', 'false', 'y', 'n'].includes(String(v).trim().toLowerCase()));
}

/** Kahn's algorithm, keeping the source's order among entities that do not depend on each other. A cycle keeps its members' order and drops none. */
function parentsFirst(drafts: readonly EntityDraft[]): EntityDraft[] {
  const ordered: EntityDraft[] = [];
  const placed = new Set<string>();
  let pending = [...drafts];
  while (pending.length > 0) {
    const ready = pending.filter((d) => d.fields.every((f) => f.lookup === null || placed.has(f.lookup) || f.lookup === d.entity));
    const next = ready.length > 0 ? ready : [pending[0]!];
    for (const draft of next) {
      ordered.push(draft);
      placed.add(draft.entity);
    }
    pending = pending.filter((d) => !placed.has(d.entity));
  }
  // Lookups to an entity placed later (a cycle) cannot resolve: they become plain fields.
  const seen = new Set<string>();
  return ordered.map((draft) => {
    const fields = draft.fields.map((f) => (f.lookup === null || seen.has(f.lookup) ? f : { ...f, lookup: null, sqlType: 'text', note: `${f.note} — but ${f.lookup} depends on ${draft.entity} too, so it is kept as the legacy key` }));
    seen.add(draft.entity);
    return { ...draft, fields };
  });
}

/** Lower-case snake-case names that PostgreSQL and the mapping format take, unique among themselves and `taken`. */
export function uniqueNames(names: readonly string[], taken: readonly string[] = []): string[] {
  const used = new Set<string>(taken);
  return names.map((name, i) => {
    let base = name.normalize('NFKC').toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').replace(/_+/g, '_');
    if (base === '') base = `column_${i + 1}`;
    if (!/^[a-z]/.test(base)) base = `c_${base}`;
    let candidate = base.slice(0, 60);
    for (let n = 2; used.has(candidate); n += 1) candidate = `${base.slice(0, 56)}_${n}`;
    used.add(candidate);
    return candidate;
  });
}

function describeType(column: ColumnInfo | undefined): string {
  return column ? column.type : 'text';
}

/** PostgreSQL's reserved words that a column or table may be named after; those are quoted in the migration. */
const RESERVED = new Set(
  ('all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate column concurrently constraint create cross ' +
    'current_catalog current_date current_role current_schema current_time current_timestamp current_user default deferrable desc distinct do else end ' +
    'except false fetch for foreign freeze from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like ' +
    'limit localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references returning right select ' +
    'session_user similar some symmetric system_user table tablesample then to trailing true union unique user using variadic verbose when where window with').split(' '),
);

export function quoteIdentifier(name: string): string {
  return RESERVED.has(name) || !/^[a-z_][a-z0-9_]*$/.test(name) ? quotePgName(name) : name;
}

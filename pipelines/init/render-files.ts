/**
 * The text of the files `cutover init` writes: cutover.yaml, one mapping per entity and one
 * migration per target table, laid out as the bundled example is, with comments that say what
 * was inferred and why.
 */
import { quoteIdentifier, type EntityDraft, type FieldDraft } from './entity-draft.js';
import type { SkippedTable } from './source-tables.js';

export interface ProjectText {
  readonly schemaRef: string;
  readonly command: string;
  readonly sourceName: string;
  /** The database or folder name alone, for the project's name. */
  readonly sourceTitle: string;
  readonly legacyUrl: string;
  readonly targetUrl: string;
  readonly targetIsPglite: boolean;
  readonly passwordLeftOut: boolean;
  readonly entities: readonly { readonly draft: EntityDraft; readonly file: string }[];
  readonly skipped: readonly SkippedTable[];
}

/** Connection names in the generated project. */
export const LEGACY_CONNECTION = 'legacy';
export const TARGET_CONNECTION = 'newcrm';
export const LEGACY_URL_ENV = 'LEGACY_URL';
export const TARGET_URL_ENV = 'NEWCRM_URL';

export function renderProject(project: ProjectText): string {
  const lines = [
    `# yaml-language-server: $schema=${project.schemaRef}`,
    '#',
    `# Written by \`${project.command}\`: ${project.entities.length} ${project.entities.length === 1 ? 'table' : 'tables'} of ${project.sourceName}.`,
    `# The connections come from the environment; the defaults below hold no password.${project.passwordLeftOut ? ' The source' : ''}`,
    ...(project.passwordLeftOut ? [`# needs one: export ${LEGACY_URL_ENV}='…' with it (percent-encoded) before \`cutover run\`.`] : []),
    `name: ${flow(`${project.sourceTitle} to the new CRM`)}`,
    '',
    'connections:',
    `  ${LEGACY_CONNECTION}: ${flow(`\${${LEGACY_URL_ENV}:-${project.legacyUrl}}`)}`,
    `  ${TARGET_CONNECTION}: ${flow(`\${${TARGET_URL_ENV}:-${project.targetUrl}}`)}`,
    '',
    'target:',
    `  connection: ${TARGET_CONNECTION}`,
    '  # Creates the target tables (once, in file-name order). Drop this line when they exist already.',
    '  migrations: ./migrations',
    '',
    ...entityOrderComment(project.entities.map((e) => e.draft)),
    'entities:',
    ...project.entities.map((e) => `  - ${flow(e.file)}`),
    ...(project.skipped.length > 0 ? ['# Left out:', ...project.skipped.map((s) => `#   ${s.table}: ${s.reason}`)] : []),
    '',
    'options:',
    project.targetIsPglite ? '  batch_size: 1000   # an embedded PGlite target takes at most 1,000 rows a batch' : '  batch_size: 2000',
    '  lookback_seconds: 300',
    '',
  ];
  return lines.join('\n');
}

function entityOrderComment(drafts: readonly EntityDraft[]): string[] {
  const edges = drafts.flatMap((d) => [...new Set(d.fields.filter((f) => f.lookup !== null).map((f) => f.lookup!))].map((parent) => `${d.entity} looks up ${parent}`));
  if (edges.length === 0) return ['# In source order: no entity looks up another.'];
  return [`# Parents first: ${edges.join('; ')}.`];
}

export function renderMapping(draft: EntityDraft, context: { schemaRef: string; sourceName: string }): string {
  const lines = [
    `# yaml-language-server: $schema=${context.schemaRef}`,
    '#',
    `# Written by cutover init from ${context.sourceName}, table \`${draft.table}\`: ${draft.columns} columns, ${count(draft.sampled)} rows sampled.`,
    '# The comment above each field says what was inferred and why; change what the new CRM needs.',
    `entity: ${draft.entity}`,
    `description: ${flow(`${draft.table} from ${context.sourceName}`)}`,
    '',
    'source:',
    `  connection: ${LEGACY_CONNECTION}`,
    `  table: ${flow(draft.table)}`,
    ...(draft.keyNote ? [`  # ${draft.keyNote}`] : []),
    `  key: ${flow(draft.key)}`,
    ...(draft.cursor ? [`  # cursor: ${draft.cursor.note}`, `  cursor: ${flow(draft.cursor.column)}`] : [`  # ${draft.cursorNote}`]),
    ...(draft.softDelete
      ? [`  # \`${draft.softDelete}\` is a soft-delete flag: flagged rows are counted as filtered, not loaded`, `  soft_delete: { column: ${flow(draft.softDelete)} }`]
      : []),
    '',
    `target: { connection: ${TARGET_CONNECTION}, table: ${draft.entity}, key: legacy_id, id: id }`,
    '',
    'fields:',
    ...draft.fields.flatMap(renderField),
    '',
  ];
  return lines.join('\n');
}

function renderField(field: FieldDraft): string[] {
  const comment = `  # ${field.from === field.name || field.name === 'legacy_id' ? '' : `from \`${field.from}\`: `}${field.note}`;
  if (field.skip) return [`  # ${field.name} (from \`${field.from}\`) is not mapped: ${field.skip}`];
  const parts = [`from: ${flow(field.from)}`];
  if (field.lookup) parts.push(`lookup: ${field.lookup}`);
  if (field.transforms.length > 0) parts.push(`transforms: ${flow(field.transforms)}`);
  if (field.required) parts.push('required: true');
  const line = `  ${flow(field.name)}: { ${parts.join(', ')} }`;
  if (line.length <= 120) return [comment, line];
  // Long value maps read better one code a line.
  return [
    comment,
    `  ${flow(field.name)}:`,
    `    from: ${flow(field.from)}`,
    '    transforms:',
    ...field.transforms.flatMap((item) => {
      if (typeof item === 'string' || !('map' in item)) return [`      - ${flow(item)}`];
      const { map, ...rest } = item as { map: Record<string, unknown> };
      return ['      - map:', ...Object.entries(map).map(([k, v]) => `          ${flow(k)}: ${flow(v)}`), ...Object.entries(rest).map(([k, v]) => `        ${k}: ${flow(v)}`)];
    }),
    ...(field.required ? ['    required: true'] : []),
  ];
}

export function renderMigration(draft: EntityDraft, sourceName: string): string {
  const columns = draft.fields
    .filter((f) => f.skip === null)
    .map((f) => {
      if (f.name === 'legacy_id') return ['legacy_id', 'text NOT NULL UNIQUE'];
      const notNull = f.required ? ' NOT NULL' : '';
      return [quoteIdentifier(f.name), f.lookup ? `uuid${notNull} REFERENCES ${quoteIdentifier(f.lookup)} (id)` : `${f.sqlType}${notNull}`];
    });
  const width = Math.max(2, ...columns.map(([name]) => name!.length));
  const lines = [
    `-- ${draft.entity}: the new CRM's table for ${draft.table} of ${sourceName}, written by cutover init.`,
    '-- legacy_id keeps the legacy key: cutover upserts on it. Types follow the transforms of the mapping.',
    `CREATE TABLE ${quoteIdentifier(draft.entity)} (`,
    [`  ${'id'.padEnd(width)} uuid PRIMARY KEY DEFAULT gen_random_uuid()`, ...columns.map(([name, type]) => `  ${name!.padEnd(width)} ${type}`)].join(',\n'),
    ');',
    ...draft.fields.filter((f) => f.lookup).map((f) => `CREATE INDEX ${quoteIdentifier(`${draft.entity}_${f.name}`.slice(0, 63))} ON ${quoteIdentifier(draft.entity)} (${quoteIdentifier(f.name)});`),
    '',
  ];
  return lines.join('\n');
}

/** YAML words that some readers take for booleans or null; written quoted so that every reader sees text. */
const AMBIGUOUS = /^(true|false|yes|no|on|off|y|n|null|~)$/i;

/** A value in YAML flow style: plain where that is unambiguous, else double-quoted (JSON strings are YAML). */
export function flow(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') {
    const plain = /^[A-Za-z_][A-Za-z0-9_./-]*( [A-Za-z0-9_./()-]+)*$/.test(value) && !AMBIGUOUS.test(value);
    return plain ? value : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  return `{ ${entries.map(([k, v]) => `${flow(k)}: ${flow(v)}`).join(', ')} }`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

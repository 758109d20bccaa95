/**
 * One mapping file → a frozen {@link EntityMapping}, or the list of everything wrong with it.
 * Structure is checked by `mappings/mapping.schema.json`; transforms against their own schemas;
 * then the rules a schema cannot express (lookups, key fields, target schema files).
 */
import { compileDedupe, type DedupePlan, type RawDedupe } from '../../transforms/dedupe/dedupe-plan.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { EntityMapping, FieldMapping, FilterRule, OnDelete, OnMissingReference, TransformItem } from '../../transforms/entity-mapping.js';
import { getFieldTransform, FIELD_TRANSFORM_NAMES } from '../../transforms/field/registry.js';
import { describeValue, type ConfigProblem } from './config-error.js';
import { expandDocument, type ExpandedDocument } from './expand-document.js';
import { EnvInterpolator } from './interpolate-env.js';
import { closest, explainSchemaErrors } from './schema-errors.js';
import { createAjv, formatSchemas } from './schemas.js';
import { validateTyped } from './typed-values.js';
import { joinPointer, readLocatedDocument, type LocatedDocument } from './yaml-document.js';

export interface MappingContext {
  /** Entities defined by earlier mapping files, which `lookup` may name. */
  readonly earlierEntities: ReadonlySet<string>;
  /** An earlier mapping file could not be parsed far enough to name its entity. */
  readonly earlierUnnamed?: boolean;
  readonly connectionNames: ReadonlySet<string>;
  /** Connections that read `''` and NULL apart at the user's request (CSV with `empty=empty_string`). */
  readonly emptyStringConnections?: ReadonlySet<string>;
  readonly targetConnection: string;
  /**
   * The project's target is a connection that can be one; when it is not, that one problem is
   * reported in cutover.yaml, not again in every mapping. @default true
   */
  readonly targetUsable?: boolean;
  /** The target is a SQL database or an HTTP API. @default 'sql' */
  readonly targetKind?: 'sql' | 'api';
  /** An API target declares a delete endpoint. */
  readonly targetDeletes?: boolean;
  readonly defaultBatchSize: number;
  /** Folder of cutover.yaml: files the runs write (review files) are relative to it. */
  readonly projectDir: string;
  /** Expands `${VAR}` in the file's values. @default an empty environment */
  readonly interpolator?: EnvInterpolator;
}

const DEFAULT_SOFT_DELETE_VALUES = ['1', 'true', 'y', 'yes'];

/** A mapping file's problems, and the entity it declares when that much could be read. */
export type MappingProblems = ConfigProblem[] & { entity?: string };

export async function loadMapping(file: string, displayName: string, context: MappingContext): Promise<EntityMapping | MappingProblems> {
  const parsed = await readLocatedDocument(file, displayName);
  if (Array.isArray(parsed)) return parsed;
  const document = expandDocument(parsed, context.interpolator ?? new EnvInterpolator({}));
  // Later files may look this entity up; naming it keeps one mistake from being reported three times.
  const declared = (document.value as { entity?: unknown } | null)?.entity;
  // A problem that only follows from a value whose expansion failed is that value's problem, reported already.
  const expansionProblems = new Set(document.problems);
  const failed = (problems: ConfigProblem[]): MappingProblems =>
    Object.assign(
      problems.filter((p) => expansionProblems.has(p) || !document.failedAt(p.pointer)),
      typeof declared === 'string' ? { entity: declared } : {},
    );
  const { mapping: validateMapping } = formatSchemas();
  if (!validateTyped(validateMapping, document.value, document.isExpanded)) {
    return failed([...document.problems, ...explainSchemaErrors(validateMapping.errors ?? [], document)].sort((a, b) => a.line - b.line || a.column - b.column));
  }

  const raw = document.value as RawMapping;
  const problems: ConfigProblem[] = [...document.problems];
  const at = (pointer: string, message: string) => problems.push(document.problem(pointer, message));

  if (!context.connectionNames.has(raw.source.connection)) {
    at('/source/connection', unknownConnection(raw.source.connection, context.connectionNames));
  }
  const keepsEmptyStrings = context.emptyStringConnections?.has(raw.source.connection) === true;
  if (keepsEmptyStrings && raw.options?.empty_as_null === true) {
    at(
      '/options/empty_as_null',
      `connection \`${raw.source.connection}\` keeps a quoted "" as '' and reads an empty field as NULL (\`empty=empty_string\`), which \`empty_as_null: true\` would undo; ` +
        'remove `empty_as_null` here, or `empty=empty_string` from the connection URL',
    );
  }
  if (context.targetUsable !== false && raw.target.connection !== context.targetConnection) {
    at('/target/connection', `must be the project's target connection \`${context.targetConnection}\`, which also keeps the migration state (got ${describeValue(raw.target.connection)})`);
  }
  const api = context.targetKind === 'api';
  if (raw.target.table !== undefined && raw.target.module !== undefined) {
    at('/target/module', 'write `table` or `module`, not both');
  } else if (raw.target.table === undefined && raw.target.module === undefined) {
    at('/target', api ? 'needs `module`: the API module records go to (e.g. `module: Accounts`)' : 'needs `table`: the target table rows go to');
  } else if (raw.target.module !== undefined && !api) {
    at('/target/module', `\`module\` is for HTTP API targets; \`${context.targetConnection}\` is a database: write \`table\``);
  }
  if (api && !context.targetDeletes) {
    const how = 'declare `target.api.delete` in cutover.yaml (e.g. `delete: { path: /crm/v8/{module}/{id} }`)';
    if (raw.on_delete === 'delete') at('/on_delete', `\`on_delete: delete\` on an HTTP API target needs a delete endpoint: ${how}, or use \`archive\` or \`ignore\``);
    if (raw.dedupe !== undefined) at('/dedupe', `de-duplication on an HTTP API target deletes the record of a duplicate folded into its survivor, which needs a delete endpoint: ${how}`);
  }
  // A source name is one identifier (or file name), dots and quotes included; a control character
  // can be neither, and would only fail later, mid-run.
  const names: [string, string | undefined][] = [['/source/table', raw.source.table], ['/source/key', raw.source.key], ['/source/cursor', raw.source.cursor], ['/source/soft_delete/column', raw.source.soft_delete?.column]];
  for (const [pointer, name] of names) {
    if (name !== undefined && /[\u0000-\u001f\u007f]/.test(name)) at(pointer, `contains a control character (got ${JSON.stringify(name)}); a table or column name is written as it is named, dots and quotes included`);
  }
  if (!(raw.target.key in raw.fields)) {
    at('/target/key', `\`${raw.target.key}\` must also be a field: it holds the legacy key, e.g. \`${raw.target.key}: { from: ${raw.source.key} }\``);
  }
  if (raw.on_delete === 'archive' && raw.archive_column === undefined) {
    at('/on_delete', '`on_delete: archive` needs `archive_column`, the timestamp column to set');
  }
  if (raw.archive_column !== undefined && raw.on_delete !== 'archive') {
    at('/archive_column', `\`archive_column\` is used only with \`on_delete: archive\` (got \`on_delete: ${raw.on_delete ?? 'ignore'}\`)`);
  }
  if (raw.archive_column !== undefined && raw.archive_column in raw.fields) {
    at('/archive_column', `\`${raw.archive_column}\` is also a mapped field; the archive column must be set by cutover alone`);
  }

  const fields: FieldMapping[] = [];
  for (const [name, spec] of Object.entries(raw.fields)) {
    const field = compileField(name, spec, document, context, at);
    if (field) fields.push(field);
  }
  const filters = compileFilters(raw.filter ?? [], at);
  const validate = raw.validate ? await loadTargetSchema(file, raw.validate.schema, document, at) : undefined;
  let dedupe: DedupePlan | undefined;
  if (raw.dedupe !== undefined) {
    const compiled = compileDedupe(raw.dedupe, Object.keys(raw.fields), (relative) => path.resolve(context.projectDir, relative));
    for (const [pointer, message] of compiled.problems) at(pointer, message);
    dedupe = compiled.plan;
  }
  if (problems.length > 0) return failed(problems);

  const mapping: EntityMapping = {
    entity: raw.entity,
    file: displayName,
    source: { connection: raw.source.connection, table: raw.source.table, key: raw.source.key, cursor: raw.source.cursor, where: raw.source.where },
    softDelete: raw.source.soft_delete
      ? { column: raw.source.soft_delete.column, values: (raw.source.soft_delete.values?.map(normaliseText) ?? DEFAULT_SOFT_DELETE_VALUES) }
      : undefined,
    target: { connection: raw.target.connection, table: (raw.target.table ?? raw.target.module)!, key: raw.target.key, id: raw.target.id ?? raw.target.key },
    onDelete: raw.on_delete ?? 'ignore',
    archiveColumn: raw.archive_column,
    filters,
    fields,
    validate,
    batchSize: raw.options?.batch_size ?? context.defaultBatchSize,
    // The source already told NULL from '' where the user asked it to.
    emptyAsNull: raw.options?.empty_as_null ?? !keepsEmptyStrings,
    dedupe,
  };
  return deepFreeze(mapping);
}

function compileField(
  name: string,
  spec: RawField,
  document: ExpandedDocument,
  context: MappingContext,
  at: (pointer: string, message: string) => void,
): FieldMapping | null {
  const pointer = joinPointer('fields', name);
  const transforms: TransformItem[] = [];
  let ok = true;
  for (const [index, written] of (spec.transforms ?? []).entries()) {
    const item = resolveTransform(written, `${pointer}${joinPointer('transforms', index)}`, document, at);
    if (item) transforms.push(item);
    else ok = false;
  }
  // When an earlier file was unreadable it may well define the entity; its own error comes first.
  if (spec.lookup !== undefined && !context.earlierEntities.has(spec.lookup) && !context.earlierUnnamed) {
    const known = [...context.earlierEntities];
    at(
      `${pointer}/lookup`,
      `\`${spec.lookup}\` is not an entity listed before this one in cutover.yaml` +
        (known.length > 0 ? ` (earlier entities: ${known.join(', ')})` : ' (no entity comes before this one)'),
    );
    ok = false;
  }
  if (spec.on_missing !== undefined && spec.lookup === undefined) {
    at(`${pointer}/on_missing`, '`on_missing` only applies together with `lookup`');
    ok = false;
  }
  if (!ok) return null;
  const from = spec.from === undefined ? null : Array.isArray(spec.from) ? spec.from : [spec.from];
  return {
    name,
    from,
    fromList: Array.isArray(spec.from),
    ...(spec.value !== undefined ? { value: spec.value } : {}),
    transforms,
    required: spec.required ?? false,
    lookup: spec.lookup,
    onMissing: spec.on_missing ?? 'reject',
  };
}

const transformValidators = new Map<string, ValidateFunction>();

/** A transform as written (`trim` or `{ phone: {…} }`) → its validated object form. */
function resolveTransform(
  written: string | Record<string, unknown>,
  pointer: string,
  document: ExpandedDocument,
  at: (pointer: string, message: string) => void,
): TransformItem | null {
  const names = FIELD_TRANSFORM_NAMES as readonly string[];
  let name: string;
  let item: Record<string, unknown>;
  if (typeof written === 'string') {
    const transform = getFieldTransform(written);
    if (!transform) {
      at(pointer, unknownTransform(written, names));
      return null;
    }
    if (!transform.shorthand) {
      at(pointer, `transform \`${written}\` needs options, e.g. \`{ ${written}: … }\`; see \`cutover validate --transforms\``);
      return null;
    }
    name = written;
    item = transform.shorthand;
  } else {
    const named = Object.keys(written).filter((key) => names.includes(key));
    if (named.length !== 1) {
      const keys = Object.keys(written);
      at(pointer, named.length === 0 ? unknownTransform(keys[0] ?? '', names) : `names ${named.length} transforms (${named.join(', ')}); write one per list item`);
      return null;
    }
    name = named[0]!;
    item = written;
  }
  const transform = getFieldTransform(name)!;
  let validate = transformValidators.get(name);
  if (!validate) {
    validate = formatSchemas().ajv.compile(transform.schema);
    transformValidators.set(name, validate);
  }
  if (!validateTyped(validate, item, (inner) => document.isExpanded(`${pointer}${inner}`))) {
    const scoped = scopedDocument(document, pointer, item);
    for (const problem of explainSchemaErrors(validate.errors ?? [], scoped)) at(problem.pointer, problem.message);
    return null;
  }
  try {
    transform.compile(item);
  } catch (error) {
    const inner = typeof (error as { pointer?: unknown }).pointer === 'string' ? (error as { pointer: string }).pointer : '';
    at(`${pointer}${inner}`, (error as Error).message);
    return null;
  }
  return { name, item };
}

/** A view of the document rooted at `pointer`, so that a transform's own schema errors point into the file. */
function scopedDocument(document: LocatedDocument, pointer: string, value: unknown): LocatedDocument {
  return {
    file: document.file,
    value,
    locate: (inner) => document.locate(`${pointer}${inner}`),
    problem: (inner, message) => document.problem(`${pointer}${inner}`, message),
    variablesIn: (inner) => document.variablesIn?.(`${pointer}${inner}`) ?? [],
  };
}

function compileFilters(rules: readonly RawFilter[], at: (pointer: string, message: string) => void): FilterRule[] {
  const filters: FilterRule[] = [];
  for (const [index, rule] of rules.entries()) {
    if (rule.in !== undefined) filters.push({ column: rule.column, kind: 'in', values: rule.in.map(normaliseText), reason: rule.reason });
    else if (rule.is_null !== undefined) filters.push({ column: rule.column, kind: 'is_null', isNull: rule.is_null, reason: rule.reason });
    else if (rule.matches !== undefined) {
      try {
        filters.push({ column: rule.column, kind: 'matches', pattern: new RegExp(rule.matches, 'u'), reason: rule.reason });
      } catch (error) {
        at(joinPointer('filter', index, 'matches'), `is not a valid regular expression: ${(error as Error).message}`);
      }
    }
  }
  return filters;
}

async function loadTargetSchema(
  mappingFile: string,
  schemaPath: string,
  document: LocatedDocument,
  at: (pointer: string, message: string) => void,
): Promise<EntityMapping['validate']> {
  const file = path.resolve(path.dirname(mappingFile), schemaPath);
  let schema: Record<string, unknown>;
  try {
    schema = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    at('/validate/schema', code === 'ENOENT' ? `file not found: ${file}` : `cannot read ${file}: ${(error as Error).message}`);
    return undefined;
  }
  let validate: ValidateFunction;
  try {
    validate = createAjv({ strict: false }).compile(schema);
  } catch (error) {
    at('/validate/schema', `${file} is not a valid JSON Schema: ${(error as Error).message}`);
    return undefined;
  }
  return {
    file,
    check: (values) => (validate(values) ? [] : (validate.errors ?? []).map(describeRowError)),
  };
}

function describeRowError(error: ErrorObject): string {
  const where = error.instancePath || '/';
  if (error.keyword === 'additionalProperties') return `${where} has a column the target schema does not allow: \`${String(error.params.additionalProperty)}\``;
  if (error.keyword === 'enum') return `${where} must be one of ${(error.params.allowedValues as unknown[]).join(', ')} (got ${describeValue(error.data)})`;
  return `${where} ${error.message ?? error.keyword} (got ${describeValue(error.data)})`;
}

function unknownConnection(name: string, known: ReadonlySet<string>): string {
  const suggestion = closest(name, [...known]);
  return `unknown connection \`${name}\`${suggestion ? `; did you mean \`${suggestion}\`?` : `; defined: ${[...known].join(', ')}`}`;
}

function unknownTransform(name: string, names: readonly string[]): string {
  const suggestion = closest(name, names);
  return `unknown transform \`${name}\`${suggestion ? `; did you mean \`${suggestion}\`?` : ''} (valid transforms are ${names.join(', ')})`;
}

export function normaliseText(value: string | number | boolean): string {
  return String(value).trim().toLowerCase();
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value) && !(value instanceof RegExp)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

interface RawField {
  from?: string | string[];
  value?: unknown;
  transforms?: (string | Record<string, unknown>)[];
  required?: boolean;
  lookup?: string;
  on_missing?: OnMissingReference;
}

interface RawFilter {
  column: string;
  in?: (string | number | boolean)[];
  is_null?: boolean;
  matches?: string;
  reason: string;
}

interface RawMapping {
  entity: string;
  source: { connection: string; table: string; key: string; cursor?: string; where?: string; soft_delete?: { column: string; values?: (string | number | boolean)[] } };
  target: { connection: string; table?: string; module?: string; key: string; id?: string };
  on_delete?: OnDelete;
  archive_column?: string;
  filter?: RawFilter[];
  fields: Record<string, RawField>;
  dedupe?: RawDedupe;
  validate?: { schema: string };
  options?: { batch_size?: number; empty_as_null?: boolean };
}

export { deepFreeze };

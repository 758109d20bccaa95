/**
 * Compiles a mapping once into functions over rows: which rows are out of scope (soft-deleted or
 * filtered by rule), and how a source row becomes a target row — or a rejection that names the
 * field, the value and the reason. A bad value never throws and never disappears.
 */
import type { Row, SourceRow } from '../connectors/types.js';
import type { EntityMapping, FieldMapping, FilterRule } from './entity-mapping.js';
import { InvalidValue, type ValueTransform } from './field/field-transform.js';
import { getFieldTransform } from './field/registry.js';
import { rejection, type Rejection } from './rejection.js';

export interface MappedRow {
  readonly key: string;
  readonly origin: string;
  /** Target column → value. Lookup fields hold the parent's legacy key until references are resolved. */
  readonly values: Record<string, unknown>;
  readonly source: Row;
  /** Lookup field → the parent's legacy key, kept when references are resolved (for re-parenting after merges). */
  references?: Record<string, string>;
}

export interface LookupField {
  readonly field: string;
  readonly entity: string;
  readonly onMissing: FieldMapping['onMissing'];
}

export interface CompiledMapping {
  readonly mapping: EntityMapping;
  /** Target columns in mapping order. */
  readonly columns: readonly string[];
  readonly lookups: readonly LookupField[];
  /** Source columns the mapping reads (for schema-drift checks). */
  readonly sourceColumns: readonly string[];
  isSoftDeleted(row: SourceRow): boolean;
  /** The reason of the first filter rule that takes the row out, or null. */
  filterReason(row: SourceRow): string | null;
  map(row: SourceRow): MappedRow | Rejection;
}

type FieldFunction = (data: Row) => unknown;

export function compileMapping(mapping: EntityMapping): CompiledMapping {
  const fields = mapping.fields.map((field) => ({ field, compute: compileField(field, mapping.emptyAsNull) }));
  const columns = mapping.fields.map((field) => field.name);
  const filters = mapping.filters.map(compileFilter);
  const softDelete = mapping.softDelete;
  const deletedValues = new Set(softDelete?.values ?? []);
  const sourceColumns = [
    ...new Set([
      mapping.source.key,
      ...(mapping.source.cursor ? [mapping.source.cursor] : []),
      ...(softDelete ? [softDelete.column] : []),
      ...mapping.filters.map((f) => f.column),
      ...mapping.fields.flatMap((f) => f.from ?? []),
    ]),
  ];

  return {
    mapping,
    columns,
    sourceColumns,
    lookups: mapping.fields.filter((f) => f.lookup !== undefined).map((f) => ({ field: f.name, entity: f.lookup!, onMissing: f.onMissing })),
    isSoftDeleted: (row) => softDelete !== undefined && deletedValues.has(normalise(row.data[softDelete.column])),
    filterReason(row) {
      for (const filter of filters) {
        if (filter.test(row.data)) return filter.reason;
      }
      return null;
    },
    map(row) {
      const values: Record<string, unknown> = {};
      let problems: string[] | null = null;
      for (const { field, compute } of fields) {
        const value = compute(row.data);
        if (value instanceof InvalidValue) {
          (problems ??= []).push(`${describeField(field)}: ${value.reason}`);
        } else if (field.required && (value === null || value === undefined)) {
          (problems ??= []).push(`${describeField(field)} is required but is empty`);
        } else {
          values[field.name] = value ?? null;
        }
      }
      if (problems) return rejection('map', row.key, row.origin, problems.join('; '), row.data);
      return { key: row.key, origin: row.origin, values, source: row.data };
    },
  };
}

function compileField(field: FieldMapping, emptyAsNull: boolean): FieldFunction {
  const steps: ValueTransform[] = field.transforms.map(({ name, item }) => getFieldTransform(name)!.compile(item));
  const read = readerFor(field, emptyAsNull);
  if (steps.length === 0) return read;
  return (data) => {
    let value = read(data);
    for (const step of steps) {
      value = step(value);
      if (value instanceof InvalidValue) return value;
    }
    return value;
  };
}

function readerFor(field: FieldMapping, emptyAsNull: boolean): FieldFunction {
  const clean = emptyAsNull ? blankToNull : (value: unknown) => (value === undefined ? null : value);
  if (field.from === null) {
    const constant = field.value ?? null;
    return () => constant;
  }
  if (!field.fromList) {
    const column = field.from[0]!;
    return (data) => clean(data[column]);
  }
  const columns = field.from;
  return (data) => columns.map((column) => clean(data[column]));
}

function blankToNull(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'string' && (value === '' || /^\s+$/.test(value))) return null;
  return value;
}

function compileFilter(rule: FilterRule): { test: (data: Row) => boolean; reason: string } {
  switch (rule.kind) {
    case 'in': {
      const values = new Set(rule.values);
      return { reason: rule.reason, test: (data) => values.has(normalise(data[rule.column])) };
    }
    case 'is_null':
      return { reason: rule.reason, test: (data) => (blankToNull(data[rule.column]) === null) === rule.isNull };
    case 'matches':
      return { reason: rule.reason, test: (data) => data[rule.column] != null && rule.pattern.test(String(data[rule.column])) };
  }
}

/** Trimmed, lower-cased text, the form soft-delete and filter values are compared in. */
function normalise(value: unknown): string {
  return value === null || value === undefined ? '' : String(value).trim().toLowerCase();
}

function describeField(field: FieldMapping): string {
  if (field.from === null) return `field \`${field.name}\``;
  const from = field.from.join(', ');
  return from === field.name ? `field \`${field.name}\`` : `field \`${field.name}\` (from ${from})`;
}

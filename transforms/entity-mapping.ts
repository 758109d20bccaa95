/**
 * The typed, validated form of one mapping file. `pipelines/config` builds it once at start-up;
 * everything below the edge sees only these frozen objects.
 */
import type { DedupePlan } from './dedupe/dedupe-plan.js';

export const ON_DELETE = ['delete', 'archive', 'ignore'] as const;
export type OnDelete = (typeof ON_DELETE)[number];

export const ON_MISSING_REFERENCE = ['reject', 'null'] as const;
export type OnMissingReference = (typeof ON_MISSING_REFERENCE)[number];

export interface SourceSpec {
  readonly connection: string;
  readonly table: string;
  readonly key: string;
  readonly cursor?: string | undefined;
  readonly where?: string | undefined;
}

export interface SoftDeleteSpec {
  readonly column: string;
  /** Lower-cased, trimmed text of the values that mean deleted. */
  readonly values: readonly string[];
}

export interface TargetSpec {
  readonly connection: string;
  readonly table: string;
  /** Target column holding the legacy key (the upsert conflict column). */
  readonly key: string;
  /** Target id column recorded in the id map. */
  readonly id: string;
}

/**
 * A compiled JSON Schema check of mapped rows: returns one message per violation
 * (`/email must match format "email"`), or an empty list.
 */
export interface RowCheck {
  readonly file: string;
  check(values: Readonly<Record<string, unknown>>): readonly string[];
}

/** A rule that takes rows out of the migration on purpose. */
export type FilterRule =
  | { readonly column: string; readonly kind: 'in'; readonly values: readonly string[]; readonly reason: string }
  | { readonly column: string; readonly kind: 'is_null'; readonly isNull: boolean; readonly reason: string }
  | { readonly column: string; readonly kind: 'matches'; readonly pattern: RegExp; readonly reason: string };

/** A transform item as written, normalised to its object form: `{ phone: { default_country: 'CN' } }`. */
export interface TransformItem {
  readonly name: string;
  readonly item: Readonly<Record<string, unknown>>;
}

export interface FieldMapping {
  /** Target column. */
  readonly name: string;
  /** Source columns; several columns arrive as an array. Null for constants. */
  readonly from: readonly string[] | null;
  /** True when `from` was written as a list. */
  readonly fromList: boolean;
  readonly value?: unknown;
  readonly transforms: readonly TransformItem[];
  readonly required: boolean;
  /** Entity whose id map resolves this value. */
  readonly lookup?: string | undefined;
  readonly onMissing: OnMissingReference;
}

export interface EntityMapping {
  readonly entity: string;
  /** Mapping file, for messages. */
  readonly file: string;
  readonly source: SourceSpec;
  readonly softDelete?: SoftDeleteSpec | undefined;
  readonly target: TargetSpec;
  readonly onDelete: OnDelete;
  readonly archiveColumn?: string | undefined;
  readonly filters: readonly FilterRule[];
  readonly fields: readonly FieldMapping[];
  /** The target row schema, compiled at the config edge. */
  readonly validate?: RowCheck | undefined;
  readonly batchSize: number;
  readonly emptyAsNull: boolean;
  /** How duplicates are matched and merged; absent: every row is its own record. */
  readonly dedupe?: DedupePlan | undefined;
}

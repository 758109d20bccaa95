/**
 * Schema drift: the source's columns now against those the last run saw. Reported before any row
 * moves. A removed mapped column already stops the run in the source check; what is left here is
 * told as a warning: added columns (not migrated until mapped), removed unmapped ones, and columns
 * whose type or nullability changed (a mapped one may need its transforms checked).
 */
import type { ColumnInfo } from '../../connectors/types.js';

export interface SchemaDrift {
  readonly entity: string;
  readonly added: readonly ColumnInfo[];
  readonly removed: readonly ColumnInfo[];
  readonly retyped: readonly { readonly name: string; readonly before: string; readonly after: string; readonly mapped: boolean }[];
}

export function compareColumns(entity: string, previous: readonly ColumnInfo[], current: readonly ColumnInfo[], mapped: readonly string[]): SchemaDrift {
  const before = new Map(previous.map((column) => [column.name, column]));
  const now = new Map(current.map((column) => [column.name, column]));
  const describe = (column: ColumnInfo) => `${column.type}${column.nullable ? ' NULL' : ' NOT NULL'}`;
  return {
    entity,
    added: current.filter((column) => !before.has(column.name)),
    removed: previous.filter((column) => !now.has(column.name)),
    retyped: current.flatMap((column) => {
      const old = before.get(column.name);
      return old && describe(old) !== describe(column) ? [{ name: column.name, before: describe(old), after: describe(column), mapped: mapped.includes(column.name) }] : [];
    }),
  };
}

export function hasDrift(drift: SchemaDrift): boolean {
  return drift.added.length + drift.removed.length + drift.retyped.length > 0;
}

/** One line per change, for the log and the plan. */
export function describeDrift(drift: SchemaDrift): string[] {
  const names = (columns: readonly ColumnInfo[]) => columns.map((column) => `\`${column.name}\``).join(', ');
  const lines: string[] = [];
  if (drift.added.length > 0) lines.push(`column${plural(drift.added)} ${names(drift.added)} added since the last run; not migrated until mapped`);
  if (drift.removed.length > 0) lines.push(`unmapped column${plural(drift.removed)} ${names(drift.removed)} removed since the last run`);
  for (const change of drift.retyped) {
    lines.push(`column \`${change.name}\` changed from ${change.before} to ${change.after}${change.mapped ? '; it is mapped: check its transforms' : ''}`);
  }
  return lines;
}

function plural(items: readonly unknown[]): string {
  return items.length > 1 ? 's' : '';
}

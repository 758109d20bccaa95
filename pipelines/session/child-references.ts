/** Which lookup fields of the project's entities hold another entity's target ids. */
import type { ChildTarget } from '../../connectors/sink.js';
import type { EntityMapping } from '../../transforms/entity-mapping.js';
import { compileMapping } from '../../transforms/mapping-engine.js';

/** A lookup field of another entity that holds this entity's target ids. */
export interface ChildReference {
  readonly entity: string;
  readonly table: string;
  /** The child's target key column (its legacy key). */
  readonly key: string;
  /** The child's target id column. */
  readonly id: string;
  readonly field: string;
}

/** Every lookup field of the project's entities that points at `entity`. */
export function childReferences(entities: readonly EntityMapping[], entity: string): ChildReference[] {
  return entities.flatMap((child) =>
    compileMapping(child)
      .lookups.filter((lookup) => lookup.entity === entity)
      .map((lookup) => ({ entity: child.entity, table: child.target.table, key: child.target.key, id: child.target.id, field: lookup.field })),
  );
}

/** The child rows as a sink re-points them. */
export function childTarget(child: ChildReference): ChildTarget {
  return { table: child.table, key: child.key, id: child.id, field: child.field };
}

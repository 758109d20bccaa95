import type { SourceEntity } from '../../connectors/types.js';
import type { EntityMapping } from '../../transforms/entity-mapping.js';

/** What a source reads for `mapping`: its table, key, cursor and `where`. */
export function sourceEntityOf(mapping: EntityMapping): SourceEntity {
  return { table: mapping.source.table, key: mapping.source.key, cursor: mapping.source.cursor, where: mapping.source.where };
}

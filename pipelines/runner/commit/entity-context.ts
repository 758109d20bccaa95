/** What writing an entity's batches needs, besides what planning them does. */
import type { Sink, StateDatabase } from '../../../connectors/sink.js';
import type { TargetTable } from '../../../connectors/types.js';
import type { StateStore } from '../../state/state-store.js';
import type { ChildReference } from '../../session/child-references.js';
import type { PlanContext } from '../stages/plan-batch.js';

export interface EntityContext extends PlanContext {
  readonly state: StateStore;
  /** Where rows go (guarded by the run lock while a run holds it). */
  readonly sink: Sink;
  /** The database of the state: the target's own where `sink.capabilities.state` is `'target'`. */
  readonly stateDatabase: StateDatabase;
  readonly target: TargetTable;
  /** Aborts requests in flight at once (second Ctrl-C). */
  readonly signal?: AbortSignal | undefined;
  /** Child rows that point at this entity: re-pointed when a record that owned a row is merged. */
  readonly children: readonly ChildReference[];
  /** Batches of this entity committed in this run: the number the next batch claims. */
  readonly batches: { committed: number };
}

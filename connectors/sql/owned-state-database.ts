import type { Sink, StateDatabase } from '../sink.js';

/**
 * The state database of a PostgreSQL-family sink opened for the state alone (`target.state` of a
 * file, API or MySQL target): closing it closes the sink behind it.
 */
export function ownedStateDatabase(sink: Sink & { readonly stateDatabase: StateDatabase }): StateDatabase {
  const own = sink.stateDatabase;
  return {
    capabilities: own.capabilities,
    endpoint: own.endpoint,
    db: own.db,
    transaction: (fn) => own.transaction(fn),
    close: () => sink.close(),
  };
}

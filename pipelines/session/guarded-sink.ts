/**
 * The sink and state database of a session, with every write checked against the run lock while a
 * run holds it. The check is the first statement of every state transaction and of every
 * `sink.write()` whose state is in the target, so that a write path added later cannot forget it,
 * and a run that lost the lock cannot commit one more batch, deletion or review decision. A target
 * whose state is beside it cannot roll back: its writes wait for the check, in a state transaction
 * of its own, before they start.
 */
import type { Sink, StateDatabase } from '../../connectors/sink.js';
import { FatalError } from '../../connectors/errors.js';
import type { WriteGuard } from '../state/state-store.js';

/** The guard of a session, set while a run holds the lock. */
export class GuardSlot {
  guard: WriteGuard | null = null;
}

export function guardedStateDatabase(inner: StateDatabase, slot: GuardSlot): StateDatabase {
  return {
    capabilities: inner.capabilities,
    endpoint: inner.endpoint,
    db: inner.db,
    transaction(fn) {
      const guard = slot.guard;
      if (!guard) return inner.transaction(fn);
      return inner.transaction(async (tx) => {
        await guard(tx);
        return fn(tx);
      });
    },
    close: () => inner.close(),
  };
}

/** `inner` with its writes guarded; `state` is the guarded state database (the target's own, or the one beside it). */
export function guardedSink(inner: Sink, state: StateDatabase, slot: GuardSlot): Sink {
  const inTarget = inner.capabilities.state === 'target';
  return {
    capabilities: inner.capabilities,
    endpoint: inner.endpoint,
    stateDatabase: inTarget ? state : undefined,
    async write(fn, options) {
      const guard = slot.guard;
      if (!guard) return inner.write(fn, options);
      if (!inTarget) {
        await state.transaction(async () => undefined);
        return inner.write(fn, options);
      }
      return inner.write(async (writer) => {
        if (!writer.state) throw new FatalError(`${inner.endpoint}: the target declares that it keeps the state, and its write has no state transaction`);
        await guard(writer.state);
        return fn(writer);
      }, options);
    },
    countRows: inner.countRows && ((target) => inner.countRows!(target)),
    contentProbe: inner.contentProbe && ((target, columns) => inner.contentProbe!(target, columns)),
    applyMigrations: inner.applyMigrations && ((dir, ledgerSchema) => inner.applyMigrations!(dir, ledgerSchema)),
    analyze: inner.analyze && ((target) => inner.analyze!(target)),
    stats: inner.stats && (() => inner.stats!()),
    close: () => inner.close(),
  };
}

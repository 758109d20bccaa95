/** What every write of a run to its target shares. */
import type { Sink, SinkWriter, StateTransaction, WriteOptions } from '../../../connectors/sink.js';
import { FatalError } from '../../../connectors/errors.js';

/** Every write of a run carries its signal, and idempotency keys scoped by the run. */
export function writeOptions(context: { readonly runId: number; readonly signal?: AbortSignal | undefined }): WriteOptions {
  return { signal: context.signal, idempotencyScope: `run ${context.runId}` };
}

/** The state transaction of a write whose state is in the target. */
export function stateOf(writer: SinkWriter, sink: Sink): StateTransaction {
  if (!writer.state) throw new FatalError(`${sink.endpoint}: the target declares that it keeps the state, and its write has no state transaction`);
  return writer.state;
}

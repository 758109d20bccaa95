/**
 * A batch's rows sent through the writer of its write: one outcome per row, written (with its
 * target id) or refused by the target, which becomes a rejection at stage `write` with the
 * target's reason, while the rest commits.
 */
import type { SinkWriter } from '../../../connectors/sink.js';
import type { TargetTable } from '../../../connectors/types.js';
import { FatalError } from '../../../connectors/errors.js';
import type { MappedRow } from '../../../transforms/mapping-engine.js';
import { rejection, type Rejection } from '../../../transforms/rejection.js';

export interface WrittenRow {
  readonly key: string;
  readonly targetId: string;
  readonly inserted: boolean;
  readonly hash: string;
  readonly references: Readonly<Record<string, string>> | null;
}

export interface WriteResult {
  readonly written: WrittenRow[];
  readonly rejected: Rejection[];
}

/** Upserts `rows` by the target key; `endpoint` names the target in the message of a sink that miscounts. */
export async function upsertRows(writer: SinkWriter, target: TargetTable, rows: readonly { row: MappedRow; hash: string }[], endpoint: string): Promise<WriteResult> {
  const result: WriteResult = { written: [], rejected: [] };
  if (rows.length === 0) return result;
  const outcomes = await writer.upsert(target, rows.map(({ row }) => row.values));
  if (outcomes.length !== rows.length) throw new FatalError(`${endpoint}: ${outcomes.length} outcomes for ${rows.length} rows sent to ${target.table}`);
  outcomes.forEach((outcome, index) => {
    const { row, hash } = rows[index]!;
    if (outcome.ok) result.written.push({ key: row.key, targetId: outcome.id, inserted: outcome.inserted, hash, references: row.references ?? null });
    else result.rejected.push(rejection('write', row.key, row.origin, outcome.reason, row.source));
  });
  return result;
}

/**
 * Whether a run is writing to the target now, for the commands that read it (`reconcile`,
 * `status`, `plan`, `final`): they say so, and either wait for it to end (`--wait`) or answer as of
 * its last committed batch, leaving out what it has not finished.
 */
import type { EntityMapping } from '../../transforms/entity-mapping.js';
import { RunError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { EntityLedger, StateStore } from '../state/state-store.js';
import type { StateDatabase } from '../../connectors/sink.js';
import { childReferences } from './child-references.js';
import { describeRun, WAIT_POLL_MS } from './run-lock.js';

/** A run holding the lock, and what it has committed so far. */
export interface RunInProgress {
  /** Null while the run is starting (it holds the lock, its record is not written yet). */
  readonly runId: number | null;
  readonly mode: string;
  readonly entities: readonly string[];
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  /** Per entity it has started: committed batches and rows, and `running` or `succeeded`. */
  readonly ledger: readonly EntityLedger[];
}

/** What a report says of an entity that a run in progress is still writing: not compared. */
export interface EntityInProgress {
  readonly entity: string;
  /** `running`, `not started`, or `follows <parent>` (a child whose rows the parent's merges re-point). */
  readonly state: string;
  readonly batches: number;
  /** Rows read and committed so far by the run. */
  readonly committedRows: number;
}

/** Where to look: the state database of the target. */
export interface RunTarget {
  readonly stateDatabase: StateDatabase;
  readonly state: StateStore;
}

/** The run holding this target's run lock now, or null. PGlite: always null (one process at a time). */
export async function runInProgress(target: RunTarget): Promise<RunInProgress | null> {
  const { stateDatabase, state } = target;
  if (!stateDatabase.capabilities.sessionLocks) return null;
  if (!(await state.lock.sessionHeld())) return null;
  const holder = (await state.exists()) ? await state.lock.holder() : null;
  const run = holder ? (await state.runs(20)).find((r) => r.runId === holder.runId && r.status === 'running') : undefined;
  if (!run) return { runId: null, mode: 'run', entities: [], pid: 0, host: '', startedAt: '', ledger: [] };
  return { runId: run.runId, mode: run.mode, entities: run.entities, pid: run.pid, host: run.host, startedAt: run.startedAt, ledger: await state.ledger(run.runId) };
}

/** `run 12 (incremental of customers) by process 4711 on etl-1, started …`, or a run starting. */
export function describeRunInProgress(run: RunInProgress): string {
  return run.runId === null ? 'a run that is starting' : describeRun({ ...run, runId: run.runId });
}

/**
 * Waits until no run holds the lock, looking every {@link WAIT_POLL_MS} ms, for at most
 * `timeoutMs`; then throws a {@link RunError} that says which run is still going.
 */
export async function waitForRunToEnd(target: RunTarget, options: { timeoutMs: number; log: Logger; what: string }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let told = false;
  for (;;) {
    const run = await runInProgress(target);
    if (!run) {
      if (told) options.log.info(`the run ended; ${options.what}`);
      return;
    }
    if (Date.now() >= deadline) {
      throw new RunError(`${describeRunInProgress(run)} is still in progress after waiting ${Math.round(options.timeoutMs / 1000)} s; nothing was compared`, {
        hint: 'wait longer (--wait-timeout SECONDS), or leave out --wait for an answer as of its last committed batch',
      });
    }
    if (!told) options.log.info(`${describeRunInProgress(run)} is in progress; waiting for it to end (up to ${Math.round(options.timeoutMs / 1000)} s)`);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, Math.min(WAIT_POLL_MS, Math.max(0, deadline - Date.now()))));
  }
}

/**
 * The entities of `mappings` that the run may still change: those of the run not finished yet,
 * and the children of those (a parent's merges re-point child rows). The others are compared.
 */
export function entitiesInProgress(run: RunInProgress, mappings: readonly EntityMapping[], all: readonly EntityMapping[]): EntityInProgress[] {
  const busy = new Map<string, string>();
  for (const mapping of all) {
    if (run.runId === null) busy.set(mapping.entity, 'the run is starting');
    else if (run.entities.includes(mapping.entity)) {
      const ledger = run.ledger.find((l) => l.entity === mapping.entity);
      if (!ledger) busy.set(mapping.entity, 'not started');
      else if (ledger.status !== 'succeeded') busy.set(mapping.entity, ledger.status);
    }
  }
  for (const [parent] of [...busy]) {
    for (const child of childReferences(all, parent)) if (!busy.has(child.entity)) busy.set(child.entity, `follows ${parent}`);
  }
  return mappings
    .filter((mapping) => busy.has(mapping.entity))
    .map((mapping) => {
      const ledger = run.ledger.find((l) => l.entity === mapping.entity);
      return { entity: mapping.entity, state: busy.get(mapping.entity)!, batches: ledger?.batches ?? 0, committedRows: ledger?.read ?? 0 };
    });
}

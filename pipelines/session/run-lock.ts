/**
 * One run at a time per target, and a run that lost its lock stops writing at once.
 *
 * Two parts: a PostgreSQL session advisory lock, held on a connection of its own for the whole
 * run, decides which run may take the lock (a second run is refused, naming the first); and the
 * holder row (`run_lock` in the state), which every write transaction of the run reads FOR SHARE
 * and checks names its own run. A run that takes the lock writes itself there, waiting for the
 * transactions of the previous holder, so that the previous holder's next transaction sees
 * another holder and stops: commits of two runs never interleave, even when the first run's lock
 * connection died without it noticing. When the lock's connection dies, the run takes the lock
 * again and goes on if the holder row is still its own; otherwise it stops, resumably.
 * (PGlite needs no advisory lock: its folder lock already admits one process.) The statements
 * are the state store's (pipelines/state/pg-run-lock-store.ts).
 */
import type { StateDatabase, StateTransaction } from '../../connectors/sink.js';
import { FatalError } from '../../connectors/errors.js';
import { RunError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { LockHolder, LockSession } from '../state/run-lock-store.js';
import type { RunRecord, StateStore, WriteGuard } from '../state/state-store.js';

/** How often the lock's connection is checked, so that a lost lock is taken again quickly. @default 1000 */
export const LOCK_HEARTBEAT_MS = 1_000;
/** How often a command waiting for a run (`--wait`) looks again. @default 500 */
export const WAIT_POLL_MS = 500;

/** The run lock was lost and could not be taken back: nothing more is written; the run can resume. */
export class RunLockLost extends FatalError {
  // FatalError's name is a literal type; the class is told apart by instanceof.
}

/** Where a run's lock lives: the state database and its store. */
export interface LockTarget {
  readonly stateDatabase: StateDatabase;
  readonly state: StateStore;
  guardWrites(guard: WriteGuard | null): void;
}

/**
 * Takes the lock (or, with `waitMs`, waits up to that long for it), runs `fn` with the run begun
 * under it, and releases it. `fn` gets the run id; every write transaction of the session is
 * checked against the lock meanwhile.
 */
export async function withRunLock<T>(
  target: LockTarget,
  begin: { mode: string; entities: readonly string[]; log: Logger; waitMs?: number | undefined },
  fn: (runId: number) => Promise<T>,
): Promise<T> {
  const lock = await RunLock.acquire(target, begin.log, begin.waitMs ?? 0);
  try {
    const runId = await lock.begin(begin.mode, begin.entities);
    return await fn(runId);
  } finally {
    await lock.release();
  }
}

class RunLock {
  readonly #target: LockTarget;
  readonly #log: Logger;
  #session: LockSession | null;
  #runId: number | null = null;
  /** Set once the lock is lost for good: every write throws it. */
  #failure: RunLockLost | null = null;
  /** A re-acquisition under way; writes wait for it. */
  #retaking: Promise<void> | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #pinging = false;

  private constructor(target: LockTarget, log: Logger, session: LockSession | null) {
    this.#target = target;
    this.#log = log;
    this.#session = session;
  }

  static async acquire(target: LockTarget, log: Logger, waitMs: number): Promise<RunLock> {
    if (!target.stateDatabase.capabilities.sessionLocks) return new RunLock(target, log, null);
    const deadline = Date.now() + waitMs;
    let waited = false;
    for (;;) {
      const session = await target.state.lock.openSession();
      if (session) {
        if (waited) log.info('the other run ended; this one starts');
        return new RunLock(target, log, session);
      }
      const running = await runningRun(target.state);
      const who = running ? describeRun(running) : 'another session';
      if (Date.now() >= deadline) {
        throw new RunError(`another cutover run is in progress on this target: ${who}${waitMs > 0 ? `; still running after waiting ${Math.round(waitMs / 1000)} s` : ''}`, {
          hint: 'wait for it to finish (or give --wait), or stop that process; runs resume from their last committed batch',
        });
      }
      if (!waited) log.info(`waiting for ${who} to finish (up to ${Math.round(waitMs / 1000)} s)`);
      waited = true;
      await new Promise((resolve) => setTimeout(resolve, Math.min(WAIT_POLL_MS, Math.max(0, deadline - Date.now()))));
    }
  }

  /** Records the run and makes it the holder (waiting for the previous holder's transactions), then guards every write. */
  async begin(mode: string, entities: readonly string[]): Promise<number> {
    const runId = await this.#target.state.beginRun(mode, entities);
    this.#runId = runId;
    this.#target.guardWrites((tx) => this.#check(tx));
    if (this.#session) {
      this.#heartbeat = setInterval(() => void this.#ping(), LOCK_HEARTBEAT_MS);
      this.#heartbeat.unref();
    }
    return runId;
  }

  /** In a write transaction: the lock is still this run's (taken again first if its connection died). */
  async #check(tx: StateTransaction): Promise<void> {
    if (this.#retaking) await this.#retaking;
    if (this.#failure) throw this.#failure;
    const holder = await this.#target.state.lock.holderForShare(tx);
    if (holder?.runId !== this.#runId) throw this.#lose(holder ? `run ${holder.runId} (process ${holder.pid} on ${holder.host}) took it over at ${holder.since}` : 'it was released');
  }

  async #ping(): Promise<void> {
    if (this.#pinging || this.#retaking || this.#failure) return;
    this.#pinging = true;
    try {
      // No session: the last attempt to take the lock again met a connection fault; try again.
      if (this.#session && (await this.#session.alive())) return;
      this.#retaking = this.#retake().finally(() => (this.#retaking = null));
      await this.#retaking.catch(() => undefined);
    } finally {
      this.#pinging = false;
    }
  }

  /**
   * The lock's connection died, and the server released the lock with it. Taken again, the run
   * goes on only if the holder row still names it: then no other run has written meanwhile.
   * A connection fault is thrown to the write waiting (which retries it) and tried again later.
   */
  async #retake(): Promise<void> {
    const { state } = this.#target;
    if (this.#session) {
      this.#log.warn('the connection holding the run lock was lost; taking the lock again');
      await this.#session.close();
      this.#session = null;
    }
    const session = await state.lock.openSession();
    if (!session) {
      const running = await runningRun(state).catch(() => null);
      throw this.#lose(`another process holds it now${running && running.runId !== this.#runId ? `: ${describeRun(running)}` : ''}`);
    }
    const holder = await state.lock.holder();
    if (holder?.runId !== this.#runId) {
      await session.close();
      throw this.#lose(holder ? `run ${holder.runId} took it over at ${holder.since}` : 'it was released');
    }
    this.#session = session;
    this.#log.info('took the run lock again; the run goes on');
  }

  #lose(why: string): RunLockLost {
    this.#failure ??= new RunLockLost(`the run lock was lost (${why}); nothing more was written`);
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    return this.#failure;
  }

  /** Stops guarding, clears the holder row if it is still this run's, and unlocks. */
  async release(): Promise<void> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    await this.#retaking?.catch(() => undefined);
    this.#target.guardWrites(null);
    if (this.#runId !== null) await this.#target.state.lock.release(this.#runId).catch((error: unknown) => this.#log.debug({ err: error }, 'could not clear the run lock holder'));
    await this.#session?.close();
    this.#session = null;
  }
}

async function runningRun(state: StateStore): Promise<RunRecord | null> {
  const holder = await state.lock.holder().catch(() => null);
  const runs = await state.runs(5);
  return runs.find((run) => run.runId === holder?.runId) ?? runs.find((run) => run.status === 'running') ?? null;
}

/** `run 12 (incremental of customers, opportunities) by process 4711 on etl-1, started …` */
export function describeRun(run: Pick<RunRecord, 'runId' | 'mode' | 'entities' | 'pid' | 'host' | 'startedAt'>): string {
  return `run ${run.runId} (${run.mode} of ${run.entities.join(', ')}) by process ${run.pid} on ${run.host}, started ${run.startedAt}`;
}

export type { LockHolder };

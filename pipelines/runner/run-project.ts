/**
 * A run: entities in dependency order, under the run lock, recorded in `cutover.runs` with a ledger
 * per entity. A run that stops (error, Ctrl-C, lost connection) keeps every committed batch and the
 * next run resumes from there.
 */
import path from 'node:path';
import { ConnectorError, RetriesExhausted } from '../../connectors/errors.js';
import type { ColumnInfo } from '../../connectors/types.js';
import { compileMapping } from '../../transforms/mapping-engine.js';
import type { Project } from '../config/project.js';
import { RunError, RunInterrupted } from '../errors.js';
import { describeFileSystemError } from '../file-system-error.js';
import type { Logger } from '../logger.js';
import type { EntityLedger } from '../state/state-store.js';
import { ProjectSession } from '../session/project-session.js';
import type { RunObserver } from '../session/run-events.js';
import { childReferences } from '../session/child-references.js';
import { detectSourceDeletes } from './deletions/detect-deletes.js';
import { applyPendingActions } from './deletions/pending-actions.js';
import { applyReviewDecisions } from './review/review-decisions.js';
import { writeReviewFile } from './review/review-file.js';
import { retrier } from '../session/retrier.js';
import { checkEntitySource, runEntity } from './run-entity.js';
import { RunLockLost, withRunLock } from '../session/run-lock.js';
import { compareColumns, describeDrift } from './schema-drift.js';

export interface RunOptions {
  /** Entity names to run (in project order); all when empty. */
  readonly entities?: readonly string[];
  readonly full?: boolean;
  /** Compare every source key with the id map to find rows deleted from the source. */
  readonly detectDeletes?: boolean;
  readonly log: Logger;
  readonly observer?: RunObserver;
  readonly signal?: AbortSignal;
  readonly stopRequested?: () => boolean;
  /** How long to wait for a run in progress on the target to end, in ms; 0 refuses at once. @default 0 */
  readonly waitMs?: number;
  /** The command that resumes this run, as the user gave it (`cutover run -p ./crm --full`), for the hint of a run that stops. @default `cutover run` */
  readonly resumeCommand?: string | undefined;
}

export interface RunSummary {
  readonly runId: number;
  readonly mode: 'full' | 'incremental';
  readonly ledgers: readonly EntityLedger[];
  readonly seconds: number;
}

export async function runProject(project: Project, options: RunOptions): Promise<RunSummary> {
  const mappings = selectEntities(project, options.entities ?? []);
  const mode = options.full ? 'full' : 'incremental';
  const started = performance.now();
  const observer = options.observer ?? {};
  const columns = new Map<string, readonly ColumnInfo[]>();
  const session = await ProjectSession.open(project, options.log, {
    prepare: true,
    observer,
    signal: options.signal,
    beforePrepare: async (opened) => {
      for (const mapping of mappings) columns.set(mapping.entity, await checkEntitySource(opened.sourceFor(mapping), mapping, { log: options.log, observer, signal: options.signal }));
    },
  }).catch((error: unknown) => {
    // A target or source that stays away before the run began: one line, and nothing to undo.
    throw error instanceof RetriesExhausted ? new RunError(`${error.message}; ${resumeHint(options.resumeCommand)}`, { cause: error }) : error;
  });
  try {
    return await withRunLock(session, { mode, entities: mappings.map((m) => m.entity), log: options.log, waitMs: options.waitMs }, async (runId) => {
      const log = options.log.child({ runId });
      log.info({ mode, entities: mappings.map((m) => m.entity) }, `run ${runId} started (${mode})`);
      try {
        for (const mapping of mappings) await reportSchemaDrift(session, runId, mapping, columns.get(mapping.entity)!, log);
        for (const mapping of mappings) {
          if (mapping.dedupe) {
            const retry = retrier(project.options.retry, log, observer, options.signal);
            await applyReviewDecisions(session, { ...mapping, dedupe: mapping.dedupe }, { runId, log: log.child({ entity: mapping.entity }), retry, signal: options.signal, children: childReferences(project.entities, mapping.entity) });
          }
          const { completed } = await runEntity(session, mapping, {
            runId,
            full: options.full ?? false,
            lookbackSeconds: project.options.lookbackSeconds,
            log,
            observer,
            signal: options.signal,
            stopRequested: options.stopRequested ?? (() => false),
          });
          if (!completed) throw new RunInterrupted(`run ${runId} stopped on request during ${mapping.entity}`);
        }
        // Children before parents, so that a parent's row is no longer referenced when it goes.
        for (const mapping of [...mappings].reverse()) {
          const context = { runId, log: log.child({ entity: mapping.entity }), signal: options.signal, retry: retrier(project.options.retry, log, observer, options.signal) };
          if (options.detectDeletes) await detectSourceDeletes(session, mapping, context);
          await applyPendingActions(session, mapping, context);
        }
        for (const mapping of mappings) {
          if (!mapping.dedupe?.reviewFile) continue;
          const { toReview, merged } = await writeReviewFile(session, { ...mapping, dedupe: mapping.dedupe });
          const file = path.relative(process.cwd(), mapping.dedupe.reviewFile) || mapping.dedupe.reviewFile;
          if (toReview + merged > 0) {
            log.info(
              { entity: mapping.entity, toReview, merged, file },
              `${file}: ${toReview} pairs of ${mapping.entity} to review, ${merged} merges to check; mark \`merge\` or \`keep apart\` in the decision column, then run again`,
            );
          }
        }
        await session.state.finishRun(runId, 'succeeded');
        log.info(`run ${runId} succeeded`);
        return { runId, mode, ledgers: await session.state.ledger(runId), seconds: (performance.now() - started) / 1000 };
      } catch (error) {
        const interrupted = error instanceof RunInterrupted || error instanceof RunLockLost || options.signal?.aborted === true;
        await session.state
          .finishRun(runId, interrupted ? 'interrupted' : 'failed', (error as Error).message)
          .catch((finishError: unknown) => log.warn({ err: finishError }, 'could not record the end of the run'));
        throw explainRunFailure(error, runId, interrupted, options.resumeCommand);
      }
    });
  } finally {
    await session.close();
  }
}

/** Tells what changed in the source's columns since the last run, and remembers them for the next. */
async function reportSchemaDrift(session: ProjectSession, runId: number, mapping: Project['entities'][number], current: readonly ColumnInfo[], log: Logger): Promise<void> {
  const previous = await session.state.sourceColumns(mapping.entity);
  if (previous) {
    const drift = compareColumns(mapping.entity, previous, current, compileMapping(mapping).sourceColumns);
    const table = `${mapping.source.connection}/${mapping.source.table}`;
    for (const line of describeDrift(drift)) log.warn({ entity: mapping.entity, drift }, `schema drift in ${table}: ${line}`);
  }
  await session.state.saveSourceColumns(runId, mapping.entity, current);
}

/** The mappings named (in project order), all when none is; an unknown name is an error. */
export function selectEntities(project: Project, names: readonly string[]) {
  if (names.length === 0) return project.entities;
  const known = project.entities.map((m) => m.entity);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new RunError(`unknown entit${unknown.length > 1 ? 'ies' : 'y'} ${unknown.map((n) => `\`${n}\``).join(', ')}; this project has ${known.join(', ')}`);
  }
  return project.entities.filter((m) => names.includes(m.entity));
}

function resumeHint(command = 'cutover run'): string {
  return `committed batches are kept; run \`${command}\` again to resume from the last one`;
}

function explainRunFailure(error: unknown, runId: number, interrupted: boolean, command = 'cutover run'): Error {
  const resume = resumeHint(command);
  if (error instanceof RunLockLost) return new RunError(`run ${runId} stopped: ${error.message}`, { cause: error, hint: `everything committed is kept; run \`${command}\` again to resume` });
  if (interrupted) return new RunError(`run ${runId} was interrupted`, { cause: error, hint: resume });
  if (error instanceof RunError) return error;
  // The retry budget is spent: one line that says where, how many attempts over how long, and what to do.
  if (error instanceof RetriesExhausted) return new RunError(`run ${runId} stopped: ${error.message}; ${resume}`, { cause: error });
  if (error instanceof ConnectorError) return new RunError(`run ${runId} stopped: ${error.message}`, { cause: error, hint: resume });
  const fileSystem = describeFileSystemError(error);
  if (fileSystem !== undefined) return new RunError(`run ${runId} stopped: ${fileSystem}`, { cause: error, hint: resume });
  return new RunError(`run ${runId} failed: ${(error as Error).message}`, { cause: error, hint: resume });
}

/**
 * The review file of a dedupe entity, side by side for a person to decide: pairs scoring between
 * `review` and `threshold` and pairs a merge could not take (bridging two clusters, a full
 * cluster), status `to review`; and every merge made (member and survivor), status `merged`.
 * Written after each run (CSV or XLSX by extension); a `decision` marked `merge` or `keep apart`
 * is read back at the start of the next run, applied, and remembered in the state: `keep apart`
 * on a merged line undoes that merge.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { builtinConnectors, createSource } from '../../../connectors/registry.js';
import { createFileWriter } from '../../../connectors/file/file-writer.js';
import { unguardFormula } from '../../../connectors/file/formula-guard.js';
import type { DedupePlan } from '../../../transforms/dedupe/dedupe-plan.js';
import type { EntityMapping } from '../../../transforms/entity-mapping.js';
import { compileMapping } from '../../../transforms/mapping-engine.js';
import { RunError } from '../../errors.js';
import type { PairWithValues, ReviewDecision } from '../../state/dedupe-store.js';
import type { ProjectSession } from '../../session/project-session.js';

const FIXED_COLUMNS = ['decision', 'status', 'score', 'rule', 'key_a', 'key_b'] as const;

/** Accepted spellings of a decision, folded (lower case, no spaces, dashes or underscores). */
const DECISION_WORDS: Readonly<Record<string, ReviewDecision>> = {
  merge: 'merge',
  same: 'merge',
  yes: 'merge',
  keepapart: 'keep_apart',
  apart: 'keep_apart',
  different: 'keep_apart',
  no: 'keep_apart',
  split: 'keep_apart',
};

export interface MarkedDecision {
  readonly a: string;
  readonly b: string;
  readonly decision: ReviewDecision;
}

/** Writes the pairs to review and the merges of `mapping` to its review file; returns how many of each. */
export async function writeReviewFile(session: ProjectSession, mapping: EntityMapping & { dedupe: DedupePlan }): Promise<{ toReview: number; merged: number }> {
  const file = mapping.dedupe.reviewFile;
  if (!file) return { toReview: 0, merged: 0 };
  const fields = compileMapping(mapping).columns;
  const columns = [...FIXED_COLUMNS, ...fields.flatMap((field) => [`a ${field}`, `b ${field}`])];
  const writer = await createFileWriter(file, { format: file.endsWith('.xlsx') ? 'xlsx' : 'csv', columns, bom: true, sheetName: `${mapping.entity} to review`, guardFormulas: true });
  const rowOf = (pair: PairWithValues, status: string) => {
    const row: Record<string, unknown> = { decision: '', status, score: Number(pair.score.toFixed(4)), rule: pair.rule, key_a: pair.a, key_b: pair.b };
    for (const field of fields) {
      row[`a ${field}`] = display(pair.valuesA[field]);
      row[`b ${field}`] = display(pair.valuesB[field]);
    }
    return row;
  };
  let toReview = 0;
  let merged = 0;
  try {
    for await (const page of session.state.dedupe.openReviewPages(mapping.entity)) {
      await writer.write(page.map((pair) => rowOf(pair, 'to review')));
      toReview += page.length;
    }
    for await (const page of session.state.dedupe.mergedPairPages(mapping.entity)) {
      await writer.write(page.map((pair) => rowOf(pair, 'merged')));
      merged += page.length;
    }
  } catch (error) {
    // Half a review file would hide pairs from the person deciding: the previous one stays.
    await writer.discard();
    throw error;
  }
  // Replaces the previous file only now, whole (a kill before this leaves it as it was).
  await writer.close();
  return { toReview, merged };
}

/** The decisions marked in the review file (none when there is no file yet). */
export async function readReviewDecisions(mapping: EntityMapping & { dedupe: DedupePlan }): Promise<MarkedDecision[]> {
  const file = mapping.dedupe.reviewFile;
  if (!file || !(await access(file).then(() => true, () => false))) return [];
  const connection = builtinConnectors().resolve('review file', `file://${file}`, { baseDir: path.dirname(file) });
  const source = createSource(connection);
  const decisions: MarkedDecision[] = [];
  // The CSV's cells were written formula-guarded: the keys are matched as they were before.
  const cell = file.endsWith('.xlsx') ? (value: unknown) => String(value ?? '') : (value: unknown) => unguardFormula(String(value ?? ''));
  try {
    for await (const batch of source.read({ entity: { table: path.basename(file), key: 'key_a' }, batchSize: 1000 })) {
      const unreadable = batch.rejects[0];
      if (unreadable) {
        throw new RunError(`${file} (${unreadable.origin}): ${unreadable.reason}`, { hint: 'fix the review file (or delete it) and run again; nothing was written' });
      }
      for (const row of batch.rows) {
        const marked = cell(row.data.decision).trim();
        if (marked === '') continue;
        const decision = DECISION_WORDS[marked.toLowerCase().replace(/[\s_-]/g, '')];
        if (!decision) {
          throw new RunError(`${file} (${row.origin}): decision \`${marked}\` is not understood; write \`merge\` or \`keep apart\` (or leave it empty)`, {
            hint: 'fix the review file and run again; nothing was written',
          });
        }
        decisions.push({ a: cell(row.data.key_a), b: cell(row.data.key_b), decision });
      }
    }
  } finally {
    await source.close();
  }
  return decisions;
}

function display(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : value;
}

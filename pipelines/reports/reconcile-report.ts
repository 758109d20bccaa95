/**
 * The reconciliation report: one model, assembled once, from which every format (terminal, JSON,
 * CSV, XLSX, HTML) renders, so that no two formats can tell a manager different numbers. It holds
 * the count equation per entity, the value differences, the rejects with their reasons (capped per
 * entity, with the number left out), and the verdict.
 */
import { RunError } from '../errors.js';
import { reconcileContent, type EntityContent } from '../reconcile/content.js';
import { reconcileCounts, type EntityReconciliation, type Reconciliation } from '../reconcile/counts.js';
import type { ProjectSession } from '../session/project-session.js';
import { describeRunInProgress, entitiesInProgress, type EntityInProgress, type RunInProgress } from '../session/run-in-progress.js';
import type { StoredRejection } from '../state/state-store.js';

/** Rejects listed per entity in a report; `cutover rejects list` has them all. @default 1000 */
export const REPORT_REJECTS_PER_ENTITY = 1_000;
/** Differences listed per entity in a report. @default 1000 */
export const REPORT_DIFFERENCES_PER_ENTITY = 1_000;

/** What a difference is, in the words every format shows. */
export const DIFFERENCE_KINDS = ['value differs', 'missing in the target', 'in the target, no source row owns it'] as const;
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

/** A value that differs (both sides shown), as opposed to a whole row missing or extra. */
export function isValueDifference(difference: { readonly kind: DifferenceKind }): boolean {
  const { kind } = difference;
  return kind === DIFFERENCE_KINDS[0];
}

/** What a report compared: counts alone (`--counts-only`), or counts and values. */
export const REPORT_SCOPES = ['counts', 'counts and values'] as const;
export type ReportScope = (typeof REPORT_SCOPES)[number];

/** A value as every format can show it: dates as ISO 8601 text, anything structured as JSON text. */
export type ReportValue = string | number | boolean | null;

export interface ReportDifference {
  readonly key: string;
  /** The differing target column; null when the whole row is missing or extra. */
  readonly field: string | null;
  readonly kind: DifferenceKind;
  readonly source: ReportValue;
  readonly target: ReportValue;
}

export interface ReportReject {
  /** Legacy key; null for a row rejected before it had one (read errors, by position). */
  readonly key: string | null;
  readonly stage: string;
  readonly reason: string;
  /** Where the row came from: file and line, or table. */
  readonly origin: string;
}

/** The values check of one entity; absent from reports made with `--counts-only`. */
export interface EntityValues {
  /** False when the target cannot be compared (not a SQL database): nothing was compared. */
  readonly compared: boolean;
  readonly rowsCompared: number;
  /** What the check read: source rows re-mapped, target rows fetched, range checksums asked for. */
  readonly cost?: { readonly expectedRowsRead: number; readonly targetRowsRead: number; readonly rangeChecksums: number };
  /** Rows with at least one difference, rows missing in the target and target rows no key owns. */
  readonly differingRows: number;
  /** The first differences, at most {@link REPORT_DIFFERENCES_PER_ENTITY}. */
  readonly differences: readonly ReportDifference[];
  /** Differing rows not in `differences`. */
  readonly differingRowsNotListed: number;
  readonly note: string | null;
}

/** One entity: the count equation (the fields of {@link EntityReconciliation}), values and rejects. */
export interface EntityReport extends EntityReconciliation {
  /** `reconciled` (inherited) is the count equation; `ok` also needs the values to agree. */
  readonly ok: boolean;
  readonly values: EntityValues | null;
  readonly rejects: {
    /** The first rejects in key order, at most {@link REPORT_REJECTS_PER_ENTITY}. */
    readonly listed: readonly ReportReject[];
    /** Rejects of this entity not listed (the total is `rejected`). */
    readonly notListed: number;
  };
  /** Why this entity is not ok, one phrase each; empty when it is. */
  readonly findings: readonly string[];
}

/** A run was writing while the report was made: it is as of that run's last committed batch. */
export interface ReportInProgress {
  readonly run: Pick<RunInProgress, 'runId' | 'mode' | 'pid' | 'host' | 'startedAt'>;
  /** The entities it was still writing (or following): left out of `entities`, not compared. */
  readonly notCompared: readonly EntityInProgress[];
}

export interface ReconcileReport {
  readonly project: string;
  readonly generatedAt: string;
  readonly scope: ReportScope;
  /** Every entity's equation balances and no compared value differs: exit code 0. */
  readonly reconciled: boolean;
  /** One paragraph a manager can sign, or act on. */
  readonly verdict: string;
  readonly entities: readonly EntityReport[];
  /** Set when a run was in progress: `entities` holds only what it was not touching; exit code 2 when anything was left out. */
  readonly inProgress?: ReportInProgress;
}

/**
 * Reconciles the project (or the named entities) and assembles the report: counts always, values
 * unless `counts` is the scope, and the first rejects of each entity from the state.
 * Throws {@link RunError} for an entity name the project does not have.
 */
export async function buildReconcileReport(
  session: ProjectSession,
  entities: readonly string[],
  options: { scope: ReportScope; rejectsPerEntity?: number; differencesPerEntity?: number; inProgress?: RunInProgress | null },
): Promise<ReconcileReport> {
  const known = session.project.entities.map((m) => m.entity);
  const unknown = entities.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new RunError(`Unknown entity ${unknown.map((name) => `\`${name}\``).join(', ')}: the project has ${known.join(', ')}`, {
      hint: 'name entities as in their mapping files (`entity:`), or none for all',
    });
  }
  const all = session.project.entities;
  const selected = all.filter((m) => entities.length === 0 || entities.includes(m.entity));
  // A run in progress: what it has not finished is not read yet, not missing; only the rest is compared.
  const notCompared = options.inProgress ? entitiesInProgress(options.inProgress, selected, all) : [];
  const compared = selected.filter((m) => !notCompared.some((busy) => busy.entity === m.entity));
  const reconciliation =
    compared.length > 0
      ? await reconcileCounts(session, compared.map((m) => m.entity))
      : { project: session.project.name, generatedAt: new Date().toISOString(), entities: [], reconciled: true };
  const content: EntityContent[] = [];
  if (options.scope === 'counts and values') {
    for (const mapping of compared) {
      content.push(await reconcileContent(session, mapping, { limit: options.differencesPerEntity ?? REPORT_DIFFERENCES_PER_ENTITY }));
    }
  }
  const rejects = new Map<string, StoredRejection[]>();
  for (const entity of reconciliation.entities) {
    rejects.set(entity.entity, entity.rejected === 0 ? [] : await session.state.rejects({ entity: entity.entity, limit: options.rejectsPerEntity ?? REPORT_REJECTS_PER_ENTITY }));
  }
  const report = assembleReconcileReport({ reconciliation, content: options.scope === 'counts' ? null : content, rejects });
  return options.inProgress ? withRunInProgress(report, options.inProgress, notCompared) : report;
}

/** Labels a report made during a run; anything left out means it is not reconciled (exit code 2, not 1). */
export function withRunInProgress(report: ReconcileReport, run: RunInProgress, notCompared: readonly EntityInProgress[]): ReconcileReport {
  const label = `${capitalize(describeRunInProgress(run))} is in progress: this report is as of its last committed batch.`;
  const left = notCompared.map((e) => `${e.entity}: in progress (run ${run.runId ?? '?'}, ${e.state}): ${count(e.committedRows, 'row')} committed so far, not compared`);
  const verdict =
    left.length > 0
      ? `${label} NOT compared: ${left.join('; ')}. ${report.entities.length > 0 ? `Of the rest: ${report.verdict}` : ''} Run again when it has ended, or with --wait.`
      : `${label} It is not writing any of these entities now. ${report.verdict}`;
  return {
    ...report,
    reconciled: report.reconciled && left.length === 0,
    verdict: verdict.replace(/\s+/g, ' ').trim(),
    inProgress: { run: { runId: run.runId, mode: run.mode, pid: run.pid, host: run.host, startedAt: run.startedAt }, notCompared },
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The report from its parts; pure, so every renderer can be tested from a hand-built model.
 * `content` is null for a counts-only report; an entity missing from it was not compared.
 */
export function assembleReconcileReport(parts: {
  reconciliation: Reconciliation;
  content: readonly EntityContent[] | null;
  rejects: ReadonlyMap<string, readonly Pick<StoredRejection, 'key' | 'stage' | 'reason' | 'origin'>[]>;
}): ReconcileReport {
  const entities = parts.reconciliation.entities.map((counts): EntityReport => {
    const content = parts.content?.find((c) => c.entity === counts.entity);
    const values = parts.content === null ? null : content ? entityValues(content) : { compared: false, rowsCompared: 0, differingRows: 0, differences: [], differingRowsNotListed: 0, note: 'not compared' };
    const listed = (parts.rejects.get(counts.entity) ?? []).map((r) => ({ key: r.key, stage: r.stage, reason: r.reason, origin: r.origin }));
    const findings = findingsOf(counts, values);
    return { ...counts, ok: findings.length === 0, values, rejects: { listed, notListed: Math.max(0, counts.rejected - listed.length) }, findings };
  });
  const reconciled = entities.every((e) => e.ok);
  const scope: ReportScope = parts.content === null ? 'counts' : 'counts and values';
  return { project: parts.reconciliation.project, generatedAt: parts.reconciliation.generatedAt, scope, reconciled, verdict: verdictOf(entities, scope, reconciled), entities };
}

function entityValues(content: EntityContent): EntityValues {
  const differences = content.differences.map(reportDifference);
  const rowsListed = new Set(differences.map((d) => d.key)).size;
  return {
    compared: content.compared,
    rowsCompared: content.rowsCompared,
    differingRows: content.differingRows,
    differences,
    differingRowsNotListed: Math.max(0, content.differingRows - rowsListed),
    note: content.note ?? null,
    ...(content.expectedRowsRead !== undefined
      ? { cost: { expectedRowsRead: content.expectedRowsRead, targetRowsRead: content.targetRowsRead ?? 0, rangeChecksums: content.rangeChecksums ?? 0 } }
      : {}),
  };
}

function reportDifference(d: EntityContent['differences'][number]): ReportDifference {
  // content.ts marks a whole-row difference with field null and the string 'row' on the side that has it.
  const kind: DifferenceKind = d.field !== null ? 'value differs' : d.target === null || d.target === undefined ? 'missing in the target' : 'in the target, no source row owns it';
  return { key: d.key, field: d.field, kind, source: kind === 'value differs' ? reportValue(d.source) : null, target: kind === 'value differs' ? reportValue(d.target) : null };
}

/** A database value as text, number, boolean or null, the same in every format. */
export function reportValue(value: unknown): ReportValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  return JSON.stringify(value);
}

function findingsOf(e: EntityReconciliation, values: EntityValues | null): string[] {
  const findings: string[] = [];
  if (e.unaccounted > 0) findings.push(`${count(e.unaccounted, 'source row')} unaccounted (never processed, or added since the last run)`);
  if (e.unaccounted < 0) findings.push(`${count(-e.unaccounted, 'row')} more accounted for than the source holds (deleted from the source since the last run)`);
  if (e.target.actual !== null && e.target.expected !== e.target.actual) findings.push(`the target holds ${e.target.actual.toLocaleString('en-US')} rows where the state expects ${e.target.expected.toLocaleString('en-US')} (changed outside cutover)`);
  if (values && values.differingRows > 0) findings.push(`${count(values.differingRows, 'row')} with values that differ from the source`);
  return findings;
}

function verdictOf(entities: readonly EntityReport[], scope: ReportScope, reconciled: boolean): string {
  if (!reconciled) {
    return `NOT reconciled: ${entities.filter((e) => !e.ok).map((e) => `${e.entity}: ${e.findings.join('; ')}`).join('. ')}.`;
  }
  const counts = 'every source row is loaded, merged, filtered or rejected with a reason (unaccounted = 0) and the target holds exactly the rows cutover loaded';
  if (scope === 'counts') return `Reconciled by counts: ${counts}. Values were not compared (--counts-only).`;
  const unchecked = entities.filter((e) => e.values && !e.values.compared).map((e) => e.entity);
  const values = unchecked.length === entities.length
    ? `Values were not compared: ${entities[0]?.values?.note ?? 'the target cannot be read back'}.`
    : `Every target row cutover owns holds its source row's values${unchecked.length > 0 ? `, except that ${unchecked.join(', ')} could not be compared` : ''}.`;
  return `Reconciled: ${counts}. ${values}`;
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

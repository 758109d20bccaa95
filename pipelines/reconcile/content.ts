/**
 * Content reconciliation, value by value: each target row cutover owns is compared with what the
 * source says it should hold now (the source row re-mapped exactly as a run maps it, references
 * resolved through the id map; for a merged cluster, the survivorship of its records as last
 * loaded). The source is read once, in its key order, a page at a time; the target is not read
 * row by row but checked by key ranges with checksums the target database computes, bisecting the
 * ranges that differ ({@link diffRanges}), through the sink's content probe. Only the rows of
 * differing ranges leave the target. Target rows no key owns are counted too.
 */
import type { ContentProbe } from '../../connectors/sink.js';
import { FatalError } from '../../connectors/errors.js';
import { surviveCluster } from '../../transforms/dedupe/survivorship.js';
import type { EntityMapping } from '../../transforms/entity-mapping.js';
import { compileMapping, type CompiledMapping, type MappedRow } from '../../transforms/mapping-engine.js';
import { RunError } from '../errors.js';
import type { ProjectSession } from '../session/project-session.js';
import { resolveReferences } from '../session/resolve-references.js';
import { sourceEntityOf } from '../session/source-entity.js';
import { canonicalValue, rowDigest, rowText } from './canonical-value.js';
import { diffRanges, type ExpectedDigest } from './range-diff.js';

/** Target keys per page when looking for rows no key owns. */
const KEYS_PAGE = 5_000;

export interface ContentDifference {
  readonly key: string;
  /** The differing column; null when the whole row is missing or extra. */
  readonly field: string | null;
  readonly source: unknown;
  readonly target: unknown;
}

export interface EntityContent {
  readonly entity: string;
  /** False when the target cannot compare values (`capabilities.contentChecks` false, an HTTP API): nothing was compared. */
  readonly compared: boolean;
  /** Target rows checked against their expected values (by checksum or one by one). */
  readonly rowsCompared: number;
  /** Rows with at least one difference, rows missing in the target, and target rows no key owns. */
  readonly differingRows: number;
  /** The first differences found (at most `limit`). */
  readonly differences: readonly ContentDifference[];
  /** Rows read to know what the target should hold: source rows (or, for merged clusters, state records). */
  readonly expectedRowsRead?: number;
  /** Rows fetched from the target: digests of small differing ranges, then the differing rows themselves. */
  readonly targetRowsRead?: number;
  /** Checksum queries over key ranges. */
  readonly rangeChecksums?: number;
  readonly note?: string;
}

export interface ContentOptions {
  /** Differences listed at most (all are counted). @default 100 */
  readonly limit?: number;
  /** Keys per range checked with one checksum. @default 2000 */
  readonly pageSize?: number;
  /** Ranges this small are listed by row digest instead of halved. @default 32 */
  readonly leafSize?: number;
  readonly signal?: AbortSignal;
}

export async function reconcileContent(session: ProjectSession, mapping: EntityMapping, options: ContentOptions = {}): Promise<EntityContent> {
  const limit = options.limit ?? 100;
  const sink = session.sink;
  if (!sink.capabilities.contentChecks || !sink.contentProbe) {
    return { entity: mapping.entity, compared: false, rowsCompared: 0, differingRows: 0, differences: [], note: `the target (${sink.endpoint}) cannot compare values; values were not compared, counts were` };
  }
  const compiled = compileMapping(mapping);
  const probe = await sink.contentProbe(mapping.target, compiled.columns).catch((error: unknown) => {
    // The table lacks a mapped column.
    throw error instanceof FatalError ? new RunError(`${mapping.file}: ${error.message}`, { cause: error, hint: 'the target changed since the mapping was written; fix one of them, then run again' }) : error;
  });
  const columns = probe.columns;

  const differences: ContentDifference[] = [];
  let differingRows = 0;
  let rowsCompared = 0;
  let targetRowsRead = 0;
  let rangeChecksums = 0;
  const note = (difference: ContentDifference) => {
    if (differences.length < limit) differences.push(difference);
  };
  const pages = mapping.dedupe ? survivorPages(session, mapping, options) : sourcePages(session, compiled, options);
  let expectedRowsRead = 0;
  for await (const page of pages) {
    expectedRowsRead += page.read;
    if (page.expected.size === 0) continue;
    rowsCompared += page.expected.size;
    const digests: ExpectedDigest[] = [];
    for (const [key, values] of page.expected) digests.push({ key, digest: rowDigest(rowText(columns.map((c) => canonicalValue(values[c.name], c.kind)))) });
    const found = await diffRanges(digests, probe, options.leafSize);
    rangeChecksums += found.checksums;
    targetRowsRead += found.rowsFetched;
    for (const key of found.missing) note({ key, field: null, source: 'row', target: null });
    differingRows += found.missing.length + found.differing.length;
    if (found.differing.length > 0 && differences.length < limit) {
      const actual = await probe.rows(found.differing);
      targetRowsRead += actual.size;
      for (const key of found.differing) {
        const want = page.expected.get(key)!;
        const have = actual.get(key);
        for (const column of columns) {
          if (have && canonicalValue(want[column.name], column.kind) === have.canonical[column.name]) continue;
          note({ key, field: column.name, source: want[column.name] ?? null, target: have?.text[column.name] ?? null });
        }
      }
    }
  }
  const extra = await extraTargetRows(session, probe, mapping, limit);
  for (const key of extra) note({ key, field: null, source: null, target: 'row' });
  differingRows += extra.length;
  return { entity: mapping.entity, compared: true, rowsCompared, differingRows, differences, expectedRowsRead, targetRowsRead, rangeChecksums };
}

/** One page of expected target rows: legacy key → mapped values, and how many rows were read for it. */
interface ExpectedPage {
  readonly expected: Map<string, Record<string, unknown>>;
  readonly read: number;
}

/**
 * The source in its own key order, re-mapped as a run maps it; kept are the keys the id map says
 * own a loaded target row (new, filtered and rejected rows are the count equation's business).
 */
async function* sourcePages(session: ProjectSession, compiled: CompiledMapping, options: ContentOptions): AsyncGenerator<ExpectedPage> {
  const mapping = compiled.mapping;
  const source = session.sourceFor(mapping);
  // A file may repeat a key; a run loads the first occurrence and rejects the others.
  const seen = source.capabilities.uniqueKeys ? null : new Set<string>();
  for await (const batch of source.read({ entity: sourceEntityOf(mapping), batchSize: options.pageSize ?? 2_000, signal: options.signal })) {
    const mapped: MappedRow[] = [];
    for (const row of batch.rows) {
      if (seen) {
        if (seen.has(row.key)) continue;
        seen.add(row.key);
      }
      if (compiled.isSoftDeleted(row) || compiled.filterReason(row) !== null) continue;
      const result = compiled.map(row);
      if (!('stage' in result)) mapped.push(result);
    }
    const known = await session.state.lookupKeys(mapping.entity, mapped.map((row) => row.key));
    const owned = mapped.filter((row) => {
      const state = known.get(row.key);
      return state?.status === 'loaded' && state.ownsRow;
    });
    const { resolved } = await resolveReferences(owned, compiled, session.state);
    yield { expected: new Map(resolved.map((row) => [row.key, row.values])), read: batch.rows.length };
  }
}

/** For a dedupe entity: each owned row's survivorship values over its cluster's records as last loaded. */
async function* survivorPages(session: ProjectSession, mapping: EntityMapping, options: ContentOptions): AsyncGenerator<ExpectedPage> {
  let after: string | null = null;
  for (;;) {
    options.signal?.throwIfAborted();
    const anchors = await session.state.loadedKeysPage(mapping.entity, after, options.pageSize ?? 2_000);
    if (anchors.length === 0) return;
    after = anchors[anchors.length - 1]!;
    const members = await session.state.dedupe.members(mapping.entity, anchors);
    const byAnchor = new Map<string, typeof members>();
    for (const member of members) byAnchor.set(member.anchorKey, [...(byAnchor.get(member.anchorKey) ?? []), member]);
    const expected = new Map<string, Record<string, unknown>>();
    for (const [anchor, records] of byAnchor) {
      const own = records.find((record) => record.key === anchor);
      if (!own) continue;
      const survived = surviveCluster(mapping.dedupe!, records);
      survived[mapping.target.key] = own.values[mapping.target.key];
      expected.set(anchor, survived);
    }
    yield { expected, read: members.length };
  }
}

/**
 * Target rows carrying a legacy key that no id-map entry owns (loaded outside cutover, or left
 * behind): the target's keys page by page, each page asked of the state; at most `limit`.
 */
async function extraTargetRows(session: ProjectSession, probe: ContentProbe, mapping: EntityMapping, limit: number): Promise<string[]> {
  const extra: string[] = [];
  for (let after: string | null = null; extra.length < limit; ) {
    const keys = await probe.keysPage(after, KEYS_PAGE);
    if (keys.length === 0) break;
    after = keys[keys.length - 1]!;
    const owned = await session.state.keysOwningRows(mapping.entity, keys);
    for (const key of keys) if (!owned.has(key) && extra.length < limit) extra.push(key);
  }
  return extra;
}

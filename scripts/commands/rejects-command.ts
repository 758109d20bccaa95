import { lstat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createFileWriter, createStreamWriter, type FileWriteFormat, type RecordWriter } from '../../connectors/file/file-writer.js';
import { replaceFile } from '../../connectors/file/replace-file.js';
import { EXIT_CODES, RunError, type ExitCode } from '../../pipelines/errors.js';
import { renderTable } from '../../pipelines/reports/text-table.js';
import type { StoredRejection } from '../../pipelines/state/state-store.js';
import { print, reportFailure, withSession, type GlobalOptions } from './command-context.js';

import type { RejectListFormat } from './command-formats.js';

const PAGE = 5000;
/** Rows of the terminal table when no `--limit` is given: a screenful or a few, not a hand-off. */
export const TABLE_DEFAULT_LIMIT = 100;
const COLUMNS = ['entity', 'key', 'stage', 'reason', 'origin', 'run_id', 'first_run_id', 'payload'] as const;

export interface RejectsListFlags {
  readonly entity: string | undefined;
  readonly format: RejectListFormat;
  /** File to write; stdout when absent (refused for xlsx when stdout is a terminal). */
  readonly out: string | undefined;
  /** At most this many rejects; when absent, {@link TABLE_DEFAULT_LIMIT} in the table and every one in a file format. */
  readonly limit: number | undefined;
  /** Replace `out` when it exists. @default false */
  readonly force: boolean;
  /** Every field of each reject, as one JSON array (on stdout, or in `out`); limited as the table is. */
  readonly json?: boolean;
}

/**
 * `cutover rejects list`: the rejected rows with key, stage and reason, on stdout or (`--out`) in a
 * file for a hand-off; a CSV is formula-guarded for spreadsheets. When `limit` cuts the list,
 * stderr says how many there are.
 */
export async function rejectsListCommand(options: GlobalOptions, flags: RejectsListFlags): Promise<ExitCode> {
  // Checked before connecting, and before a single row is written.
  if (flags.format === 'xlsx' && flags.out === undefined && process.stdout.isTTY) {
    return reportFailure(new RunError('--format xlsx is a binary file and stdout is a terminal', { hint: 'give --out FILE, e.g. --out rejects.xlsx' }));
  }
  if (flags.out !== undefined && !flags.force && (await exists(flags.out))) {
    return reportFailure(new RunError(`${shown(flags.out)} already exists; give --force to replace it, or another --out FILE (nothing was written)`));
  }
  return withSession(options, async (_context, session) => {
    const limit = flags.limit ?? (flags.format === 'table' || flags.json ? TABLE_DEFAULT_LIMIT : Number.POSITIVE_INFINITY);
    const output = await openOutput(flags);
    let listed = 0;
    let cut = false;
    try {
      while (listed < limit) {
        // One more than still wanted tells whether the list goes on past the limit.
        const ask = Math.min(PAGE, limit - listed + 1);
        const page = await session.state.rejects({ entity: flags.entity, limit: ask, offset: listed });
        const taken = page.slice(0, limit - listed);
        cut = page.length > taken.length;
        await output.write(taken);
        listed += taken.length;
        if (page.length < ask) break;
      }
    } catch (error) {
      await output.discard();
      throw error;
    }
    await output.close();
    if (flags.out !== undefined && !options.quiet) process.stderr.write(`${listed.toLocaleString('en-US')} rejects written to ${shown(flags.out)}\n`);
    if (cut) {
      const total = await session.state.countRejects(flags.entity);
      const at = flags.limit === undefined ? `${limit} rows, the table's default --limit` : `--limit ${limit}`;
      // Not a log line: the list is short of what was asked for, so even --quiet tells it.
      process.stderr.write(`cutover: listed ${listed.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rejects (cut at ${at}); give --limit ${total} for all of them\n`);
    }
    return EXIT_CODES.reconciled;
  });
}

/** Where the rejects go: a table (printed, or written whole at the end), or a record writer. */
interface RejectsOutput {
  write(rejects: readonly StoredRejection[]): Promise<void>;
  close(): Promise<void>;
  discard(): Promise<void>;
}

async function openOutput(flags: RejectsListFlags): Promise<RejectsOutput> {
  if (flags.json) {
    const rejects: StoredRejection[] = [];
    return {
      write: async (page) => void rejects.push(...page),
      close: async () => {
        const text = `${JSON.stringify(rejects, null, 2)}\n`;
        if (flags.out === undefined) return print(text);
        await mkdir(path.dirname(path.resolve(flags.out)), { recursive: true });
        await replaceFile(flags.out, text);
      },
      discard: async () => undefined,
    };
  }
  if (flags.format === 'table') {
    const lines: string[][] = [];
    return {
      write: async (rejects) => void lines.push(...rejects.map((r) => [r.entity, r.key ?? '', r.stage, r.reason, r.origin])),
      close: async () => {
        const text = lines.length === 0 ? 'No rejects.\n' : `${renderTable(['entity', 'key', 'stage', 'reason', 'origin'], lines)}\n`;
        if (flags.out === undefined) return print(text);
        await mkdir(path.dirname(path.resolve(flags.out)), { recursive: true });
        await replaceFile(flags.out, text);
      },
      discard: async () => undefined,
    };
  }
  // The byte-order mark is for Excel opening a file; a program reading stdout would take it for text.
  const writerOptions = { format: flags.format as FileWriteFormat, columns: COLUMNS, bom: flags.out !== undefined, sheetName: 'rejects', guardFormulas: true };
  const writer: RecordWriter = flags.out === undefined ? await createStreamWriter(process.stdout, writerOptions) : await createFileWriter(flags.out, writerOptions);
  return {
    write: (rejects) =>
      writer.write(
        rejects.map((r) => ({ entity: r.entity, key: r.key, stage: r.stage, reason: r.reason, origin: r.origin, run_id: r.runId, first_run_id: r.firstRunId, payload: JSON.stringify(r.payload) })),
      ),
    close: () => writer.close(),
    discard: () => writer.discard(),
  };
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}

function shown(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

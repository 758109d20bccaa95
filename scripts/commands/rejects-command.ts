import path from 'node:path';
import { createFileWriter, type FileWriteFormat } from '../../connectors/file/file-writer.js';
import { EXIT_CODES, type ExitCode } from '../../pipelines/errors.js';
import { renderTable } from '../../pipelines/reports/text-table.js';
import { print, withSession, type GlobalOptions } from './command-context.js';

import type { RejectListFormat } from './command-formats.js';

const PAGE = 5000;
const COLUMNS = ['entity', 'key', 'stage', 'reason', 'origin', 'run_id', 'first_run_id', 'payload'] as const;

/** `cutover rejects list`: every rejected row with its key, stage and reason; to a file for a hand-off. */
export function rejectsListCommand(
  options: GlobalOptions,
  flags: { entity: string | undefined; format: RejectListFormat; out: string | undefined; limit: number; json?: boolean },
): Promise<ExitCode> {
  return withSession(options, async (context, session) => {
    if (flags.json) {
      // The same rows as the table, every field, for scripts.
      print(JSON.stringify(await session.state.rejects({ entity: flags.entity, limit: flags.limit }), null, 2));
      return EXIT_CODES.reconciled;
    }
    if (flags.format === 'table') {
      const rejects = await session.state.rejects({ entity: flags.entity, limit: flags.limit });
      print(rejects.length === 0 ? 'No rejects.' : renderTable(['entity', 'key', 'stage', 'reason', 'origin'], rejects.map((r) => [r.entity, r.key ?? '', r.stage, r.reason, r.origin])));
      return EXIT_CODES.reconciled;
    }
    const out = flags.out ?? `rejects.${flags.format}`;
    const writer = await createFileWriter(out, { format: flags.format as FileWriteFormat, columns: COLUMNS, bom: true, sheetName: 'rejects' });
    try {
      for (let offset = 0; ; offset += PAGE) {
        const page = await session.state.rejects({ entity: flags.entity, limit: PAGE, offset });
        await writer.write(
          page.map((r) => ({ entity: r.entity, key: r.key, stage: r.stage, reason: r.reason, origin: r.origin, run_id: r.runId, first_run_id: r.firstRunId, payload: JSON.stringify(r.payload) })),
        );
        if (page.length < PAGE) break;
      }
    } finally {
      await writer.close();
    }
    print(`${writer.rowsWritten.toLocaleString('en-US')} rejects written to ${path.relative(process.cwd(), out) || out}`);
    return EXIT_CODES.reconciled;
  });
}

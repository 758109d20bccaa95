/**
 * `cutover init --from URL [--to DIR] [--target URL] [--tables a,b] [--force]`: a new project
 * from the source's schema, checked with the same loader `cutover validate` uses.
 */
import path from 'node:path';
import { redactUrl } from '../../connectors/redact-url.js';
import { loadProject } from '../../pipelines/config/load-project.js';
import { EXIT_CODES, type ExitCode } from '../../pipelines/errors.js';
import { initProject } from '../../pipelines/init/init-project.js';
import { LEGACY_URL_ENV } from '../../pipelines/init/render-files.js';
import { renderTable } from '../../pipelines/reports/text-table.js';
import { print, reportFailure, type GlobalOptions } from './command-context.js';

export interface InitFlags {
  readonly from: string;
  /** @default the project folder (-p), else `.` */
  readonly to: string | undefined;
  readonly target: string | undefined;
  readonly tables: readonly string[] | undefined;
  readonly force: boolean;
}

export async function initCommand(options: GlobalOptions, flags: InitFlags): Promise<ExitCode> {
  try {
    const result = await initProject({
      from: flags.from,
      to: flags.to ?? options.project ?? process.env.CUTOVER_PROJECT ?? '.',
      target: flags.target,
      tables: flags.tables,
      force: flags.force,
      command: `cutover init --from ${redactUrl(flags.from)}${flags.tables ? ` --tables ${flags.tables.join(',')}` : ''}`,
    });
    // The same check as `cutover validate`: what init wrote must load.
    await loadProject(result.dir);
    const shown = path.relative(process.cwd(), result.dir) || '.';
    const rows = result.entities.map((e) => [
      e.entity,
      e.table,
      e.key,
      e.cursor?.column ?? '-',
      String(e.fields.filter((f) => f.skip === null).length),
      [...new Set(e.fields.filter((f) => f.lookup).map((f) => f.lookup!))].join(', ') || '-',
    ]);
    print(`${shown}: a project of ${result.entities.length} entities from ${result.sourceName} (${result.files.length} files); cutover validate: valid\n`);
    print(renderTable(['entity', 'table', 'key', 'cursor', 'fields', 'looks up'], rows));
    if (result.skipped.length > 0) print(`\nleft out: ${result.skipped.map((s) => `${s.table} (${s.reason})`).join('; ')}`);
    if (result.leftInPlace.length > 0) print(`\nleft in place in migrations/: ${result.leftInPlace.join(', ')} (not written by this init; remove them if they are stale)`);
    if (result.passwordLeftOut) print(`\nthe source's password is not in cutover.yaml: export ${LEGACY_URL_ENV}='…' with it before cutover run`);
    print(`\nnext: read the comments in the mapping files, then\n  cutover run -p ${shown}\n  cutover reconcile -p ${shown}`);
    return EXIT_CODES.reconciled;
  } catch (error) {
    return reportFailure(error);
  }
}

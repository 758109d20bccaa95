/**
 * `cutover demo`: the bundled legacy CRM sample (generated, deterministic) migrated into an embedded
 * PostgreSQL (PGlite) with the example project's mappings, then reconciled. No server needed.
 * Run it again and every row is reported unchanged.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EXIT_CODES, type ExitCode } from '../../pipelines/errors.js';
import { packagePath } from '../../pipelines/package-root.js';
import { reconcileCounts } from '../../pipelines/reconcile/counts.js';
import { renderReconciliation, renderRunSummary } from '../../pipelines/reports/terminal.js';
import { ProjectSession } from '../../pipelines/session/project-session.js';
import { runProject } from '../../pipelines/runner/run-project.js';
import { writeLegacyExport } from '../legacy-crm/write-export.js';
import { runJson } from './run-command.js';
import { installStopHandlers, print, withContext, type GlobalOptions } from './command-context.js';

export interface DemoFlags {
  /** Working folder for the export, the PGlite database and the log. @default ./.cutover-demo */
  readonly dir: string;
  /** Start from scratch: remove the folder first. */
  readonly fresh: boolean;
  readonly seed: number;
  /** The run and the reconciliation as JSON on stdout. */
  readonly json?: boolean;
}

export async function demoCommand(options: GlobalOptions, flags: DemoFlags): Promise<ExitCode> {
  const dir = path.resolve(flags.dir);
  if (flags.fresh) await rm(dir, { recursive: true, force: true });
  const exportDir = path.join(dir, 'legacy-export');
  if (!existsSync(path.join(exportDir, 'customers.csv'))) {
    if (!options.quiet) process.stderr.write(`Generating the legacy CRM export (seed ${flags.seed}) in ${path.relative(process.cwd(), exportDir) || exportDir}\n`);
    await writeLegacyExport(exportDir, { seed: flags.seed });
  }
  await writeDemoProject(dir);
  const demoOptions: GlobalOptions = { ...options, project: dir };
  return withContext(
    demoOptions,
    async ({ project, log, progress }) => {
      const stop = installStopHandlers(log);
      let summary;
      try {
        summary = await runProject(project, { log, observer: progress, signal: stop.signal, stopRequested: stop.stopRequested, resumeCommand: options.commandLine });
        progress.clear();
        if (!flags.json) print(renderRunSummary(summary));
      } finally {
        stop.dispose();
      }
      const session = await ProjectSession.open(project, log);
      try {
        const reconciliation = await reconcileCounts(session);
        if (flags.json) {
          print(JSON.stringify({ dir, run: runJson(summary), reconciliation }, null, 2));
          return reconciliation.reconciled ? EXIT_CODES.reconciled : EXIT_CODES.discrepancy;
        }
        print(`\n${renderReconciliation(reconciliation)}`);
        const shown = path.relative(process.cwd(), dir) || '.';
        print(`The demo project is ${shown}/cutover.yaml. Look closer with \`npx cutover status -p ${shown}\` or \`npx cutover rejects list -p ${shown}\`; run the demo again to see every row unchanged.`);
        return reconciliation.reconciled ? EXIT_CODES.reconciled : EXIT_CODES.discrepancy;
      } finally {
        await session.close();
      }
    },
    { logFile: path.join(dir, 'cutover.log') },
  );
}

/** A project in the demo folder that uses the example mappings with the demo's export and database. */
async function writeDemoProject(dir: string): Promise<void> {
  const example = packagePath('mappings', 'example');
  const relative = (file: string) => path.relative(dir, path.join(example, file)).split(path.sep).join('/');
  const text = [
    '# Written by `cutover demo`: the example mappings on the generated legacy export and an embedded PGlite database.',
    `# yaml-language-server: $schema=${relative('../project.schema.json')}`,
    'name: cutover demo',
    'connections:',
    '  legacy: file://./legacy-export',
    '  newcrm: pglite://./newcrm',
    'target:',
    '  connection: newcrm',
    `  migrations: ${relative('migrations')}`,
    'entities:',
    ...['customers.yaml', 'opportunities.yaml', 'tickets.yaml'].map((file) => `  - ${relative(file)}`),
    'options:',
    '  log_file: ./cutover.log',
    '',
  ].join('\n');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'cutover.yaml'), text);
}

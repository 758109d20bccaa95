import { replaceFile } from '../../connectors/file/replace-file.js';
import { EXIT_CODES, type ExitCode } from '../../pipelines/errors.js';
import { renderPlan } from '../../pipelines/reports/terminal.js';
import { planProject } from '../../pipelines/runner/plan-project.js';
import { print, withContext, type GlobalOptions } from './command-context.js';

import type { PlanFormat } from './command-formats.js';

/** `cutover plan [entity…]`: what `cutover run` would do with the same options, writing nothing. */
export function planCommand(
  options: GlobalOptions,
  entities: readonly string[],
  flags: { full: boolean; detectDeletes: boolean; format: PlanFormat; out: string | undefined; waitMs: number | null },
): Promise<ExitCode> {
  return withContext(options, async ({ project, log, progress }) => {
    const plan = await planProject(project, { entities, full: flags.full, detectDeletes: flags.detectDeletes, log, observer: progress, waitMs: flags.waitMs });
    progress.clear();
    const text = flags.format === 'json' ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan);
    if (flags.out) await replaceFile(flags.out, text);
    else print(text);
    return EXIT_CODES.reconciled;
  });
}

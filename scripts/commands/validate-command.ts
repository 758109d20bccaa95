import { EXIT_CODES, type ExitCode } from '../../pipelines/errors.js';
import { locateProject } from '../../pipelines/config/find-project.js';
import { loadProject } from '../../pipelines/config/load-project.js';
import { FIELD_TRANSFORMS } from '../../transforms/field/registry.js';
import { renderTable } from '../../pipelines/reports/text-table.js';
import { print, reportFailure, type GlobalOptions } from './command-context.js';

/** `cutover validate`: checks cutover.yaml and every mapping without connecting to anything. */
export async function validateCommand(options: GlobalOptions, flags: { transforms: boolean }): Promise<ExitCode> {
  if (flags.transforms) {
    print(renderTable(['transform', 'what it does'], [...FIELD_TRANSFORMS.values()].map((t) => [t.name, t.summary])));
    return EXIT_CODES.reconciled;
  }
  try {
    const project = await loadProject(await locateProject(options.project, process.env, process.cwd()));
    const connections = [...project.connections.values()].map((c) => [c.name, c.connector.displayName, c.url.redacted] as const);
    const entities = project.entities.map((m) => [m.entity, m.file, `${m.source.connection}/${m.source.table}`, m.target.table, m.fields.length] as const);
    print(`${project.file}: valid\n`);
    print(renderTable(['connection', 'kind', 'url'], connections));
    print('');
    print(renderTable(['entity', 'mapping', 'source', 'target', 'fields'], entities));
    return EXIT_CODES.reconciled;
  } catch (error) {
    return reportFailure(error);
  }
}

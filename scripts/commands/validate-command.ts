import { redactUrl } from '../../connectors/connection-url.js';
import { EXIT_CODES, type ExitCode } from '../../pipelines/errors.js';
import { locateProject } from '../../pipelines/config/find-project.js';
import { ConfigError } from '../../pipelines/config/config-error.js';
import { loadProject } from '../../pipelines/config/load-project.js';
import { FIELD_TRANSFORMS } from '../../transforms/field/registry.js';
import { renderTable } from '../../pipelines/reports/text-table.js';
import { print, reportFailure, type GlobalOptions } from './command-context.js';

/**
 * `cutover validate`: checks cutover.yaml and every mapping without connecting to anything.
 * With `json`: `{ valid: true, project, connections, entities }`, or `{ valid: false, problems }`
 * with each problem's file, line, column, JSON pointer and message (exit 2 all the same).
 */
export async function validateCommand(options: GlobalOptions, flags: { transforms: boolean; json: boolean }): Promise<ExitCode> {
  if (flags.transforms) {
    const transforms = [...FIELD_TRANSFORMS.values()].map((t) => ({ transform: t.name, summary: t.summary }));
    print(flags.json ? JSON.stringify(transforms, null, 2) : renderTable(['transform', 'what it does'], transforms.map((t) => [t.transform, t.summary])));
    return EXIT_CODES.reconciled;
  }
  try {
    const project = await loadProject(await locateProject(options.project, process.env, process.cwd()));
    const connections = [...project.connections.values()].map((c) => ({ name: c.name, kind: c.connector.displayName, url: c.url.redacted }));
    const entities = project.entities.map((m) => ({ entity: m.entity, mapping: m.file, source: `${m.source.connection}/${m.source.table}`, target: m.target.table, fields: m.fields.length }));
    if (flags.json) {
      print(JSON.stringify({ valid: true, project: project.file, connections, entities }, null, 2));
      return EXIT_CODES.reconciled;
    }
    print(`${project.file}: valid\n`);
    print(renderTable(['connection', 'kind', 'url'], connections.map((c) => [c.name, c.kind, c.url])));
    print('');
    print(renderTable(['entity', 'mapping', 'source', 'target', 'fields'], entities.map((e) => [e.entity, e.mapping, e.source, e.target, e.fields])));
    return EXIT_CODES.reconciled;
  } catch (error) {
    if (flags.json && error instanceof ConfigError) {
      // Each problem as data; a message may quote a value, and a URL in it keeps no password.
      const problems = error.problems.map((p) => ({ file: p.file, line: p.line, column: p.column, pointer: p.pointer || '/', message: redactUrl(p.message) }));
      print(JSON.stringify({ valid: false, problems }, null, 2));
      process.stderr.write(`cutover: the configuration is invalid (${problems.length === 1 ? '1 problem' : `${problems.length} problems`}, listed in the JSON on stdout); nothing was run\n`);
      return EXIT_CODES.couldNotRun;
    }
    return reportFailure(error);
  }
}

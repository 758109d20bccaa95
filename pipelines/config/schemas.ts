/** The format schemas, compiled once: ajv in strict mode with every error reported. */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { packagePath } from '../package-root.js';

// ajv-formats is CommonJS: `module.exports` is the plugin and also carries it as `.default`.
const addFormats = addFormatsModule.default;

/** An ajv instance for project files and user-supplied target schemas. */
export function createAjv(options: { strict: boolean } = { strict: true }): Ajv2020 {
  // strictRequired would reject `oneOf: [{ required: [...] }]`, the idiomatic "exactly one of" rule.
  const ajv = new Ajv2020({ allErrors: true, strict: options.strict, strictRequired: false, verbose: true, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

let compiled: { project: ValidateFunction; mapping: ValidateFunction; ajv: Ajv2020 } | null = null;

export function formatSchemas(): { project: ValidateFunction; mapping: ValidateFunction; ajv: Ajv2020 } {
  if (compiled) return compiled;
  const ajv = createAjv();
  const load = (name: string) => JSON.parse(readFileSync(packagePath('mappings', name), 'utf8')) as object;
  compiled = { project: ajv.compile(load('project.schema.json')), mapping: ajv.compile(load('mapping.schema.json')), ajv };
  return compiled;
}


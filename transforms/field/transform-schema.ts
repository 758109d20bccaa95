/**
 * Building blocks of the transforms' JSON Schemas. Every schema must compile under ajv's strict
 * mode (no union `type` arrays: alternatives are `anyOf`), and every property carries a
 * `description`, which `cutover validate --transforms` and editors show.
 */
import { ON_INVALID, type JsonSchema } from './field-transform.js';

/** The `invalid` option shared by the validating transforms. */
export const INVALID_OPTION_SCHEMA: JsonSchema = {
  description:
    'What a value that cannot be converted does: `reject` rejects the row with a reason (the default), `null` writes null, `keep` passes the value through unchanged.',
  enum: ON_INVALID,
  default: 'reject',
};

/** The option value of a transform that takes no options: `{ trim: {} }`, usually written as just `trim`. */
export function noOptionsSchema(description: string): JsonSchema {
  return { description: `${description} Takes no options: write the name alone or \`{}\`.`, type: 'object', additionalProperties: false };
}

/** An options object: `{ email: { invalid: 'null' } }`; every option optional unless listed in `required`. */
export function optionsSchema(description: string, properties: Record<string, JsonSchema>, required: readonly string[] = []): JsonSchema {
  return {
    description,
    type: 'object',
    additionalProperties: false,
    properties,
    ...(required.length > 0 ? { required } : {}),
  };
}

/**
 * The schema of a whole transform item: an object whose key `name` names the transform, with
 * optional sibling keys (`{ map: {…}, unknown: reject }`).
 */
export function transformSchema(name: string, description: string, value: JsonSchema, siblings: Record<string, JsonSchema> = {}, extra: JsonSchema = {}): JsonSchema {
  return {
    description,
    type: 'object',
    required: [name],
    additionalProperties: false,
    properties: { [name]: value, ...siblings },
    ...extra,
  };
}

/** A scalar a mapping file can write: text, a number or true/false. */
export const SCALAR_SCHEMA: readonly JsonSchema[] = [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }];

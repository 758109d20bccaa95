import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FIELD_TRANSFORM_NAMES, getFieldTransform } from '../../../transforms/field/registry.js';

const folder = path.resolve(import.meta.dirname, '../../../mappings/example');
const files = readdirSync(folder).filter((file) => file.endsWith('.yaml') && file !== 'cutover.yaml');

/** Every transform item the bundled example project writes, with where it is. */
const items = files.flatMap((file) => {
  const mapping = parse(readFileSync(path.join(folder, file), 'utf8')) as { fields?: Record<string, { transforms?: unknown[] }> };
  return Object.entries(mapping.fields ?? {}).flatMap(([field, spec]) => (spec.transforms ?? []).map((written) => ({ where: `${file} ${field}`, written })));
});

describe('the example project', () => {
  it('writes transforms', () => {
    expect(items.length).toBeGreaterThan(10);
  });

  it('uses only transforms that validate and compile', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    for (const { where, written } of items) {
      const name = typeof written === 'string' ? written : Object.keys(written as object).find((key) => (FIELD_TRANSFORM_NAMES as readonly string[]).includes(key));
      const transform = getFieldTransform(name ?? '');
      expect(transform, where).toBeDefined();
      const item = typeof written === 'string' ? transform!.shorthand : (written as Record<string, unknown>);
      expect(item, `${where}: ${name} needs options`).toBeDefined();
      const validate = ajv.compile(transform!.schema);
      expect(validate(item), `${where}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(() => transform!.compile(item!), where).not.toThrow();
    }
  });
});

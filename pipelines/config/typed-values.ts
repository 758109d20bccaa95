/**
 * Values written with `${…}` are text until the schema says what they are: where a schema wants a
 * number or true/false, an expanded value that reads as one becomes one
 * (`batch_size: ${BATCH_SIZE:-2000}` is the integer 2000). A value written without `${…}` is
 * never converted: `batch_size: "2000"` stays the mistake it is.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { joinPointer, splitPointer } from './yaml-document.js';

/**
 * Validates `root`, converting expanded text where the schema asked for another type, in place.
 * @param expanded whether the value at a JSON pointer into `root` came out of `${…}` expansion
 * @returns whether `root` is valid; `validate.errors` holds the errors of the last pass
 */
export function validateTyped(validate: ValidateFunction, root: unknown, expanded: (pointer: string) => boolean): boolean {
  // Each pass converts every value it can; a converted value is no longer text, so this ends.
  for (;;) {
    if (validate(root)) return true;
    let converted = false;
    for (const error of (validate.errors ?? []) as ErrorObject[]) {
      if (error.keyword !== 'type' || !expanded(error.instancePath)) continue;
      const text = valueAt(root, error.instancePath);
      if (typeof text !== 'string') continue;
      const value = convert(text, [error.params.type as string | string[]].flat().flatMap((t) => t.split(',')));
      if (value === undefined) continue;
      converted = setAt(root, error.instancePath, value) || converted;
    }
    if (!converted) return false;
  }
}

const INTEGER = /^[-+]?\d+$/;
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;

/** The text as the first of `types` it reads as; undefined when it reads as none. */
export function convert(text: string, types: readonly string[]): number | boolean | undefined {
  const trimmed = text.trim();
  for (const type of types) {
    if (type === 'integer' && INTEGER.test(trimmed) && Number.isSafeInteger(Number(trimmed))) return Number(trimmed);
    if (type === 'number' && NUMBER.test(trimmed) && Number.isFinite(Number(trimmed))) return Number(trimmed);
    if (type === 'boolean' && /^(?:true|false)$/i.test(trimmed)) return trimmed.toLowerCase() === 'true';
  }
  return undefined;
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const segment of splitPointer(pointer)) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function setAt(root: unknown, pointer: string, value: unknown): boolean {
  const segments = splitPointer(pointer);
  const last = segments.pop();
  if (last === undefined) return false;
  const parent = valueAt(root, joinPointer(...segments));
  if (parent === null || typeof parent !== 'object' || Object.isFrozen(parent)) return false;
  (parent as Record<string, unknown>)[last] = value;
  return true;
}

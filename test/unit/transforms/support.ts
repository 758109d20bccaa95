/** Helpers shared by the transform tests. */
import { expect } from 'vitest';
import { InvalidValue, type FieldTransform, type ValueTransform } from '../../../transforms/field/field-transform.js';

/** Compiles an item of `transform` into its value function. */
export function compile<Item extends Record<string, unknown>>(transform: FieldTransform<Item>, item: Item): ValueTransform {
  return transform.compile(item);
}

/** The reason of an {@link InvalidValue}; fails the test for anything else. */
export function reasonOf(result: unknown): string {
  expect(result).toBeInstanceOf(InvalidValue);
  return (result as InvalidValue).reason;
}

/** The error `fn` throws; fails the test when it does not throw. */
export function thrown(fn: () => unknown): Error & { pointer?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { pointer?: string };
  }
  throw new Error('expected a throw');
}

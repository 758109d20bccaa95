import { expect, it } from 'vitest';
import { isoTimestamp, isoTimestampOrNull } from '../../../pipelines/state/iso-timestamp.js';

it('turns the server text of a timestamptz, in any offset, and a Date into one ISO 8601 form', () => {
  expect(isoTimestamp('2026-12-06 22:35:54.169+00')).toBe('2026-12-06T22:35:54.169Z');
  expect(isoTimestamp('2026-12-06 22:35:54+00')).toBe('2026-12-06T22:35:54.000Z');
  expect(isoTimestamp('2026-12-07 04:05:54.169123+05:30')).toBe('2026-12-06T22:35:54.169Z');
  expect(isoTimestamp('2026-12-06 17:35:54.169-05')).toBe('2026-12-06T22:35:54.169Z');
  expect(isoTimestamp('2026-12-06T22:35:54.169Z')).toBe('2026-12-06T22:35:54.169Z');
  expect(isoTimestamp(new Date(Date.UTC(2026, 11, 6, 22, 35, 54, 169)))).toBe('2026-12-06T22:35:54.169Z');
  expect(isoTimestampOrNull(null)).toBeNull();
  expect(() => isoTimestamp('yesterday')).toThrow('Expected a PostgreSQL timestamptz, got `yesterday`');
});

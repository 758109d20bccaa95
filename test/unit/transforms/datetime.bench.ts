/**
 * Throughput of `datetime`'s two paths (not a test; nothing here asserts a time):
 *
 *   npx vitest bench --run --project unit test/unit/transforms/datetime.bench.ts
 *
 * Each iteration converts BATCH distinct values spread over five years, so the zone-offset cache
 * sees realistic misses; values per second = hz × BATCH.
 */
import { DateTime } from 'luxon';
import { bench, describe } from 'vitest';
import { datetime } from '../../../transforms/field/datetime.js';

const BATCH = 10_000;
const start = Date.UTC(2018, 0, 1);
const walls = Array.from({ length: BATCH }, (_, i) => DateTime.fromMillis(start + Math.floor(((i * 7919) % BATCH) * (5 * 365.25 * 86_400_000) / BATCH), { zone: 'UTC' }));
const isoNaive = walls.map((w) => w.toFormat('yyyy-MM-dd HH:mm:ss'));
const isoOffset = walls.map((w) => w.toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS'+08:00'"));
const custom = walls.map((w) => w.toFormat('yyyy/MM/dd HH:mm:ss'));

const shanghai = datetime.compile({ datetime: { formats: ['yyyy/MM/dd HH:mm:ss'], tz: 'Asia/Shanghai' } });
const newYork = datetime.compile({ datetime: { formats: ['yyyy/MM/dd HH:mm:ss'], tz: 'America/New_York' } });

function each(values: readonly string[], run: (value: string) => unknown): void {
  for (const value of values) run(value);
}

describe(`datetime, ${BATCH} values per iteration`, () => {
  bench('fast path: yyyy-MM-dd HH:mm:ss in Asia/Shanghai', () => each(isoNaive, shanghai));
  bench('fast path: yyyy-MM-dd HH:mm:ss in America/New_York (DST)', () => each(isoNaive, newYork));
  bench('fast path: ISO with offset', () => each(isoOffset, shanghai));
  bench('luxon path: format yyyy/MM/dd HH:mm:ss in Asia/Shanghai', () => each(custom, shanghai));
  bench('luxon path: format yyyy/MM/dd HH:mm:ss in America/New_York', () => each(custom, newYork));
  bench('baseline: DateTime.fromFormat(…, { zone }).toUTC().toISO()', () =>
    each(isoNaive, (value) => DateTime.fromFormat(value, 'yyyy-MM-dd HH:mm:ss', { zone: 'Asia/Shanghai' }).toUTC().toISO()),
  );
});

/**
 * Time in the generated CRM. Every instant derives from fixed anchors, never from the current
 * date, so a seed reproduces the same data next year. Times are wall-clock milliseconds: the UTC
 * fields of `new Date(ms)` read as the legacy server's local time, Asia/Shanghai (UTC+8, no DST
 * since 1991), which is how a MySQL DATETIME stores them.
 */
import type { Random } from './random.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The legacy CRM went live on 2016-01-01 00:00 (Shanghai). */
export const CRM_START = Date.UTC(2016, 0, 1);
/** The export was taken at the end of 2026-06-30 (Shanghai). */
export const CRM_END = Date.UTC(2026, 5, 30, 23, 59, 59);
/** Shanghai is UTC+8 all year. */
export const SHANGHAI_OFFSET_MS = 8 * HOUR;

export { DAY, HOUR };

/**
 * Moments when a nightly job or an admin's mass update touched many rows in the same second.
 * They make `updated_at` ties that a keyset sync on `(updated_at, id)` must page through.
 */
export const BULK_UPDATES: readonly number[] = [
  Date.UTC(2017, 2, 18, 2, 0, 0),
  Date.UTC(2018, 5, 30, 23, 30, 15),
  Date.UTC(2019, 10, 11, 0, 5, 0),
  Date.UTC(2020, 3, 1, 3, 0, 0),
  Date.UTC(2021, 0, 4, 9, 12, 40),
  Date.UTC(2022, 6, 15, 2, 0, 0),
  Date.UTC(2023, 2, 15, 18, 30, 12),
  Date.UTC(2024, 8, 2, 1, 0, 0),
  Date.UTC(2025, 4, 20, 22, 45, 5),
  Date.UTC(2026, 1, 27, 3, 0, 0),
  Date.UTC(2026, 5, 12, 4, 0, 0),
];

/** A `Date` carrying a wall-clock time. */
export function wallDate(ms: number): Date {
  return new Date(ms);
}

/** Drops the milliseconds: DATETIME has whole seconds. */
export function wholeSecond(ms: number): number {
  return ms - (((ms % 1000) + 1000) % 1000);
}

/** A time of day skewed towards office hours: most records are typed between 08:30 and 18:30. */
export function officeTime(random: Random, dayStart: number): number {
  const minutes = random.chance(0.88) ? random.int(8 * 60 + 30, 18 * 60 + 30) : random.int(0, 24 * 60 - 1);
  return dayStart + minutes * 60_000 + random.int(0, 59) * 1000;
}

/**
 * A last-modified time at or after `created`: never touched again (equal), touched by one of the
 * {@link BULK_UPDATES}, or edited at some later office hour.
 */
export function laterUpdate(random: Random, created: number, end = CRM_END): number {
  const roll = random.next();
  if (roll < 0.22) return created;
  if (roll < 0.3) {
    const candidates = BULK_UPDATES.filter((moment) => moment >= created && moment <= end);
    if (candidates.length > 0) return random.pick(candidates);
  }
  // Recent edits are more likely than old ones: the square root pulls towards the end.
  const span = end - created;
  const later = created + Math.floor(Math.sqrt(random.next()) * span);
  const day = later - (later % DAY);
  const at = officeTime(random, day);
  return at < created ? created : at > end ? end : at;
}

/** `yyyy-MM-dd HH:mm:ss` from a wall-clock time. */
export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** How a customer's free-text `created_at` was typed or imported. */
export const CREATED_AT_STYLES = ['iso', 'slash', 'dmy', 'utc', 'offset', 'chinese'] as const;
export type CreatedAtStyle = (typeof CREATED_AT_STYLES)[number];

/**
 * A customer's `created_at` text. Naive styles are Shanghai wall-clock; `utc` converts to UTC with
 * a `Z`; `offset` keeps the wall-clock with `+08:00`. Minute-only styles drop the seconds, which
 * keeps the value at or before `updated_at`.
 * @example formatCreatedAt(Date.UTC(2019, 2, 5, 14, 22, 10), 'dmy') // '05/03/2019 14:22'
 */
export function formatCreatedAt(ms: number, style: CreatedAtStyle): string {
  const f = fields(ms);
  switch (style) {
    case 'iso':
      return `${f.y}-${f.MM}-${f.dd} ${f.HH}:${f.mm}:${f.ss}`;
    case 'slash':
      return `${f.y}/${f.MM}/${f.dd} ${f.HH}:${f.mm}`;
    case 'dmy':
      return `${f.dd}/${f.MM}/${f.y} ${f.HH}:${f.mm}`;
    case 'utc':
      return `${new Date(ms - SHANGHAI_OFFSET_MS).toISOString().slice(0, 19)}Z`;
    case 'offset':
      return `${f.y}-${f.MM}-${f.dd}T${f.HH}:${f.mm}:${f.ss}+08:00`;
    case 'chinese':
      return `${f.y}年${f.M}月${f.d}日 ${f.HH}:${f.mm}`;
  }
}

/** How an opportunity's free-text `close_date` was typed. */
export const CLOSE_DATE_STYLES = ['iso', 'slash', 'dmy', 'compact', 'chinese'] as const;
export type CloseDateStyle = (typeof CLOSE_DATE_STYLES)[number];

/** @example formatCloseDate(Date.UTC(2021, 5, 30), 'slash') // '2021/6/30' */
export function formatCloseDate(ms: number, style: CloseDateStyle): string {
  const f = fields(ms);
  switch (style) {
    case 'iso':
      return `${f.y}-${f.MM}-${f.dd}`;
    case 'slash':
      return `${f.y}/${f.M}/${f.d}`;
    case 'dmy':
      return `${f.dd}/${f.MM}/${f.y}`;
    case 'compact':
      return `${f.y}${f.MM}${f.dd}`;
    case 'chinese':
      return `${f.y}年${f.M}月${f.d}日`;
  }
}

function fields(ms: number) {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    y: String(date.getUTCFullYear()),
    M: String(date.getUTCMonth() + 1),
    MM: pad(date.getUTCMonth() + 1),
    d: String(date.getUTCDate()),
    dd: pad(date.getUTCDate()),
    HH: pad(date.getUTCHours()),
    mm: pad(date.getUTCMinutes()),
    ss: pad(date.getUTCSeconds()),
  };
}

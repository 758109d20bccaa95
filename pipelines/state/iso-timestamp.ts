/**
 * Every time the state hands out (runs, ledgers, rejects, merges, the run lock) in one form: ISO
 * 8601 in UTC with its offset, as `Date#toISOString` writes it (`2026-12-06T22:35:54.169Z`), the
 * form of the reports' `generatedAt` too. PostgreSQL and PGlite give `timestamptz` as the server's
 * text (`2026-12-06 22:35:54.169+00`: the pools keep it text so that source values are never
 * shifted), and a driver left to its own parsers gives a Date; both come through here.
 */

/** `2026-12-06 22:35:54.169+00`, `…+05:30`, `…T…Z` or a Date → `2026-12-06T22:35:54.169Z`. */
export function isoTimestamp(value: string | Date): string {
  if (value instanceof Date) return value.toISOString();
  const match = SERVER_TEXT.exec(value);
  if (!match) throw new Error(`Expected a PostgreSQL timestamptz, got \`${value}\``);
  const [, date, time, sign, hours, minutes = '00'] = match;
  const offset = sign === undefined ? 'Z' : `${sign}${hours}:${minutes}`;
  // Beyond milliseconds a Date cannot hold; the state's times are for people and scripts, not keys.
  return new Date(`${date}T${time}${offset}`).toISOString();
}

/** {@link isoTimestamp}, keeping null (a run not finished, an entity with no commit yet). */
export function isoTimestampOrNull(value: string | Date | null | undefined): string | null {
  return value === null || value === undefined ? null : isoTimestamp(value);
}

/** The server's `timestamptz` text, in any session time zone, or ISO 8601 already. */
const SERVER_TEXT = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d(?:\.\d+)?)(?:Z|([+-])(\d\d)(?::?(\d\d))?(?::?\d\d)?)$/;

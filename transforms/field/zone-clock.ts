/**
 * Wall-clock time in one IANA time zone → instant, deterministically and fast.
 *
 * Luxon resolves an ambiguous wall-clock time (the repeated hour when clocks go back) by starting
 * from the zone's offset *now* (`DateTime.fromObject` → `fixOffset(…, zone.offset(Date.now()))`),
 * so the same legacy value would load as a different instant in summer and in winter and change
 * the row hash between runs. We resolve it the way `java.time` and Temporal (`compatible`) do:
 *
 * - a time in a **gap** (clocks go forward: `2021-03-14 02:30` in `America/New_York` does not
 *   exist) is moved forward by the length of the gap (→ `03:30` EDT, `07:30Z`); this is also
 *   exactly what luxon does, whatever the date;
 * - a time in an **overlap** (clocks go back: `2021-11-07 01:30` in New York happens twice) is the
 *   earlier of the two instants (`01:30` EDT, `05:30Z`).
 *
 * Offsets come from luxon's `IANAZone` (the platform's Intl time-zone data) and are cached per UTC
 * day, with the exact instant of the transition on days near one, so that every value after the
 * first of its day costs one Map lookup and some arithmetic.
 */
import { IANAZone } from 'luxon';
import { closestName, optionError } from './transform-option-error.js';

const DAY = 86_400_000;
// The cache holds at most this many days (about 110 years of data) and is then cleared; memory
// stays bounded whatever the input, and sorted input (the usual cursor order) rarely misses.
const MAX_CACHED_DAYS = 40_000;
const UTC_NAMES = new Set(['utc', 'etc/utc', 'uct', 'etc/uct', 'gmt', 'etc/gmt', 'universal', 'etc/universal', 'zulu', 'etc/zulu']);

/** A day near a transition: the offsets before and after it, and the instant it happens. */
interface Transition {
  readonly before: number;
  readonly after: number;
  readonly at: number;
}

export class ZoneClock {
  /** The zone name as written in the mapping. */
  readonly name: string;
  readonly #zone: IANAZone;
  readonly #isUtc: boolean;
  /**
   * UTC day number → the zone's offset in milliseconds from a day before to a day after that day,
   * or the one transition in that window, or null when there are several (never seen in tzdata).
   */
  readonly #days = new Map<number, number | Transition | null>();

  /**
   * @throws {TransformOptionError} at `pointer` when `name` is not an IANA time zone.
   */
  constructor(name: string, pointer: string) {
    if (!IANAZone.isValidZone(name)) {
      const suggestion = closestName(name, [...Intl.supportedValuesOf('timeZone'), 'UTC']);
      throw optionError(pointer, 'tz', 'an IANA time zone such as `Asia/Shanghai`', name, suggestion ? `did you mean \`${suggestion}\`?` : undefined);
    }
    // ICU accepts legacy names without a slash and reads `CST` as America/Chicago and `EST` as
    // America/Panama: a mapping that means China Standard Time must not silently get US Central.
    if (!name.includes('/') && !UTC_NAMES.has(name.toLowerCase())) {
      const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
      throw optionError(pointer, 'tz', 'an IANA time zone written as Area/City, such as `Asia/Shanghai`', name, `\`${name}\` is a legacy alias that means \`${resolved}\`; write that if it is what you mean`);
    }
    this.name = name;
    this.#zone = IANAZone.create(name) as IANAZone;
    this.#isUtc = UTC_NAMES.has(name.toLowerCase());
  }

  /** The instant (epoch milliseconds) at which the zone's clocks show `wallMs` (a wall-clock time written as if it were UTC). */
  instantOf(wallMs: number): number {
    if (this.#isUtc) return wallMs;
    const day = Math.floor(wallMs / DAY);
    let entry = this.#days.get(day);
    if (entry === undefined) {
      entry = this.#describeDay(day);
      if (this.#days.size >= MAX_CACHED_DAYS) this.#days.clear();
      this.#days.set(day, entry);
    }
    // Invariant: the offset is the same from a day before to a day after this wall-clock day, and
    // every offset is less than a day, so `wallMs - offset` is the one instant with this wall time.
    if (typeof entry === 'number') return wallMs - entry;
    if (entry === null) return this.#resolveWithoutCache(wallMs);
    // One transition: each offset is possible if its instant falls on its side of the transition.
    const withBefore = wallMs - entry.before;
    const withAfter = wallMs - entry.after;
    const beforeFits = withBefore < entry.at;
    const afterFits = withAfter >= entry.at;
    if (beforeFits && afterFits) return Math.min(withBefore, withAfter); // overlap: the earlier instant
    if (beforeFits) return withBefore;
    if (afterFits) return withAfter;
    return withBefore; // gap: read with the offset in force before it, i.e. forward by the gap
  }

  /** The steady offset around `day`, from four samples a day apart (no transition hides between two), or its one transition. */
  #describeDay(day: number): number | Transition | null {
    const start = day * DAY;
    const probes = [start - DAY, start, start + DAY, start + 2 * DAY];
    const offsets = probes.map((probe) => this.#offset(probe));
    const changes = offsets.flatMap((offset, i) => (i > 0 && offset !== offsets[i - 1] ? [i] : []));
    if (changes.length === 0) return offsets[0]!;
    if (changes.length > 1) return null;
    const i = changes[0]!;
    // Binary search to the second: the offset is offsets[i - 1] at `low` and offsets[i] at `high`.
    let low = probes[i - 1]!;
    let high = probes[i]!;
    while (high - low > 1000) {
      const middle = low + Math.floor((high - low) / 2000) * 1000;
      if (this.#offset(middle) === offsets[i - 1]) low = middle;
      else high = middle;
    }
    return { before: offsets[i - 1]!, after: offsets[i]!, at: high };
  }

  /** Temporal's `compatible` disambiguation from first principles, for windows with two transitions. */
  #resolveWithoutCache(wallMs: number): number {
    const before = this.#offset(wallMs - DAY);
    const after = this.#offset(wallMs + DAY);
    const earlier = wallMs - Math.max(before, after);
    const later = wallMs - Math.min(before, after);
    if (this.#offset(earlier) === Math.max(before, after)) return earlier;
    if (this.#offset(later) === Math.min(before, after)) return later;
    return wallMs - before;
  }

  /**
   * The offset at `instant` in whole milliseconds. Luxon gives minutes, which are fractional for
   * local mean time (Shanghai's was +8:05:43); rounding keeps every instant an integer.
   */
  #offset(instant: number): number {
    return Math.round(this.#zone.offset(instant) * 60_000);
  }
}

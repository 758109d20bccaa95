import { DateTime, IANAZone, Settings } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { datetime } from '../../../transforms/field/datetime.js';
import { isoUtcText, readPlainDateTime } from '../../../transforms/field/iso-date-time.js';
import { ZoneClock } from '../../../transforms/field/zone-clock.js';
import { compile, reasonOf, thrown } from './support.js';

describe('datetime', () => {
  const shanghai = compile(datetime, { datetime: { formats: ['yyyy/MM/dd HH:mm', 'dd/MM/yyyy HH:mm:ss', "yyyy'年'M'月'd'日' HH:mm", 'yyyy/MM/dd HH:mm ZZ'], tz: 'Asia/Shanghai' } });

  it.each([
    ['2019-03-05 14:22:10', '2019-03-05T06:22:10.000Z'],
    ['2019-03-05T14:22:10', '2019-03-05T06:22:10.000Z'],
    ['2019-03-05T14:22', '2019-03-05T06:22:00.000Z'],
    ['2019-03-05 14:22:10.5', '2019-03-05T06:22:10.500Z'],
    ['2019-03-05T14:22:10.123456789', '2019-03-05T06:22:10.123Z'],
    ['2019-03-05T14:22:10,25', '2019-03-05T06:22:10.250Z'],
    ['2019-03-05', '2019-03-04T16:00:00.000Z'],
    ['2019-03-05T06:22:10Z', '2019-03-05T06:22:10.000Z'],
    ['2019-03-05T06:22:10.000z', '2019-03-05T06:22:10.000Z'],
    ['2019-03-05T14:22:10+08:00', '2019-03-05T06:22:10.000Z'],
    ['2019-03-05 14:22:10 +0800', '2019-03-05T06:22:10.000Z'],
    ['2019-03-05T01:22:10-05', '2019-03-05T06:22:10.000Z'],
    ['2019/03/05 14:22', '2019-03-05T06:22:00.000Z'],
    ['05/03/2019 14:22:10', '2019-03-05T06:22:10.000Z'],
    ['2019年3月5日 14:22', '2019-03-05T06:22:00.000Z'],
    ['2019/03/05 14:22 +09:00', '2019-03-05T05:22:00.000Z'],
    ['\u30002019-03-05 14:22:10 ', '2019-03-05T06:22:10.000Z'],
  ])('%s in Asia/Shanghai → %s', (input, expected) => {
    expect(shanghai(input)).toBe(expected);
  });

  it('reads naive times as UTC by default', () => {
    const utc = compile(datetime, datetime.shorthand!);
    expect(utc('2019-03-05 14:22:10')).toBe('2019-03-05T14:22:10.000Z');
    expect(utc('2019-03-05T14:22:10+08:00')).toBe('2019-03-05T06:22:10.000Z');
  });

  it('takes a Date as an instant and reads numbers as their digits', () => {
    expect(shanghai(new Date('2019-03-05T06:22:10Z'))).toBe('2019-03-05T06:22:10.000Z');
    expect(compile(datetime, { datetime: { formats: ['yyyyMMddHHmmss'], tz: 'Asia/Shanghai' } })(20190305142210)).toBe('2019-03-05T06:22:10.000Z');
  });

  it('handles years before 100 without moving them to the 1900s', () => {
    expect(compile(datetime, datetime.shorthand!)('0099-01-01 00:00:00')).toBe('0099-01-01T00:00:00.000Z');
  });

  it('agrees with luxon on the fast path, across zones and centuries', () => {
    const zones = ['Asia/Shanghai', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham', 'America/Sao_Paulo', 'UTC'];
    let seed = 7;
    let compared = 0;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const tz of zones) {
      const run = compile(datetime, { datetime: { tz } });
      for (let i = 0; i < 300; i++) {
        const wall = DateTime.fromMillis(Date.UTC(1900, 0, 1) + Math.floor(random() * 200 * 365.25 * 86_400_000), { zone: 'UTC' });
        const text = wall.toFormat('yyyy-MM-dd HH:mm:ss');
        const expected = DateTime.fromFormat(text, 'yyyy-MM-dd HH:mm:ss', { zone: tz });
        // Luxon's answer for a repeated hour depends on today's offset; transitions are checked separately below.
        if (expected.minus({ hours: 3 }).offset !== expected.plus({ hours: 3 }).offset) continue;
        compared++;
        expect(run(text), `${text} ${tz}`).toBe(expected.toUTC().toISO());
      }
    }
    expect(compared).toBeGreaterThan(zones.length * 290);
  });

  describe('around DST transitions', () => {
    const newYork = compile(datetime, { datetime: { tz: 'America/New_York', formats: ['M/d/yyyy H:mm'] } });

    it('moves a time in the spring gap forward by the gap, as luxon does', () => {
      expect(newYork('2021-03-14 02:30:00')).toBe('2021-03-14T07:30:00.000Z');
      expect(newYork('3/14/2021 2:30')).toBe('2021-03-14T07:30:00.000Z');
      expect(DateTime.fromISO('2021-03-14T02:30:00', { zone: 'America/New_York' }).toUTC().toISO()).toBe('2021-03-14T07:30:00.000Z');
    });

    it('takes the earlier instant of a repeated hour, whatever the date of the run', () => {
      expect(newYork('2021-11-07 01:30:00')).toBe('2021-11-07T05:30:00.000Z');
      expect(newYork('11/7/2021 1:30')).toBe('2021-11-07T05:30:00.000Z');
      expect(newYork('2021-11-07T01:30:00-05:00')).toBe('2021-11-07T06:30:00.000Z');
    });

    it('is exact on both sides of a transition', () => {
      expect(newYork('2021-03-14 01:59:59')).toBe('2021-03-14T06:59:59.000Z');
      expect(newYork('2021-03-14 03:00:00')).toBe('2021-03-14T07:00:00.000Z');
      expect(newYork('2021-11-07 00:59:59')).toBe('2021-11-07T04:59:59.000Z');
      expect(newYork('2021-11-07 02:00:00')).toBe('2021-11-07T07:00:00.000Z');
      expect(newYork('2021-03-13 12:00:00')).toBe('2021-03-13T17:00:00.000Z');
      expect(newYork('2021-03-15 12:00:00')).toBe('2021-03-15T16:00:00.000Z');
    });

    it('handles half-hour shifts (Lord Howe) and LMT offsets in seconds', () => {
      const lordHowe = new ZoneClock('Australia/Lord_Howe', '/datetime/tz');
      // 2021-10-03 02:00 local → 02:30 (UTC+10:30 → +11): 02:15 is in the gap.
      expect(new Date(lordHowe.instantOf(Date.UTC(2021, 9, 3, 2, 15))).toISOString()).toBe('2021-10-02T15:45:00.000Z');
      const lmt = compile(datetime, { datetime: { tz: 'Asia/Shanghai' } })('1900-06-01 12:00:00');
      expect(lmt).toBe('1900-06-01T03:54:17.000Z'); // local mean time, +8:05:43
      expect(lmt).toBe(DateTime.fromISO('1900-06-01T12:00:00', { zone: 'Asia/Shanghai' }).toUTC().toISO());
    });
  });

  it('rejects impossible date-times, saying why', () => {
    expect(reasonOf(shanghai('2021-02-30 10:00:00'))).toBe(
      "'2021-02-30 10:00:00' does not match any datetime format (tried: ISO 8601, yyyy/MM/dd HH:mm, dd/MM/yyyy HH:mm:ss, yyyy'年'M'月'd'日' HH:mm, yyyy/MM/dd HH:mm ZZ): February 2021 has no day 30",
    );
    expect(reasonOf(shanghai('2021-03-05 24:00:00'))).toContain('there is no hour 24');
    expect(reasonOf(shanghai('2021-03-05 10:60:00'))).toContain('there is no minute 60');
    expect(reasonOf(shanghai('2016-12-31 23:59:60'))).toContain('there is no second 60');
    expect(reasonOf(shanghai('2021-03-05 10:00:00+25:00'))).toContain('its UTC offset is out of range');
    expect(reasonOf(shanghai('2021/02/30 10:00'))).toContain('it has the shape of yyyy/MM/dd HH:mm but is not a calendar date-time');
    expect(reasonOf(shanghai('yesterday'))).toBe(
      "'yesterday' does not match any datetime format (tried: ISO 8601, yyyy/MM/dd HH:mm, dd/MM/yyyy HH:mm:ss, yyyy'年'M'月'd'日' HH:mm, yyyy/MM/dd HH:mm ZZ)",
    );
    expect(reasonOf(shanghai('2021-03-05Z'))).toContain('does not match');
    expect(reasonOf(shanghai(12345))).toContain("'12345' does not match");
  });

  it('applies the invalid policy', () => {
    expect(compile(datetime, { datetime: { invalid: 'null' } })('nope')).toBeNull();
    expect(compile(datetime, { datetime: { invalid: 'keep' } })('nope')).toBe('nope');
  });

  it('treats empty text as null and other types as invalid', () => {
    expect(shanghai(null)).toBeNull();
    expect(shanghai(undefined)).toBeNull();
    expect(shanghai('')).toBeNull();
    expect(shanghai('\u3000')).toBeNull();
    expect(reasonOf(shanghai({}))).toBe("'{}' is not a date-time: it is an object");
    expect(reasonOf(shanghai(new Date(Number.NaN)))).toContain('Invalid Date');
    expect(reasonOf(shanghai('2'.repeat(100_000)))).toContain('does not match');
  });

  it('rejects an unknown time zone at compile time, suggesting the closest', () => {
    const error = thrown(() => compile(datetime, { datetime: { tz: 'Asia/Shangai' } }));
    expect(error.name).toBe('TransformOptionError');
    expect(error.pointer).toBe('/datetime/tz');
    expect(error.message).toBe('Expected `tz` to be an IANA time zone such as `Asia/Shanghai`, got `Asia/Shangai`; did you mean `Asia/Shanghai`?');
    expect(thrown(() => compile(datetime, { datetime: { tz: 'CST' } })).message).toBe(
      'Expected `tz` to be an IANA time zone written as Area/City, such as `Asia/Shanghai`, got `CST`; `CST` is a legacy alias that means `America/Chicago`; write that if it is what you mean',
    );
    expect(thrown(() => compile(datetime, { datetime: { tz: 'PRC' } })).message).toContain('means `Asia/Shanghai`');
    expect(() => compile(datetime, { datetime: { tz: 'UTC' } })).not.toThrow();
    expect(() => compile(datetime, { datetime: { tz: 'Etc/GMT-8' } })).not.toThrow();
    expect(thrown(() => compile(datetime, { datetime: { formats: ['HH:mm'] } })).pointer).toBe('/datetime/formats/0');
  });
});

describe('ZoneClock', () => {
  const DAY = 86_400_000;
  const originalNow = Settings.now;
  afterEach(() => {
    Settings.now = originalNow;
  });

  /** Temporal's `compatible` disambiguation, computed from scratch for every value. */
  function reference(zone: IANAZone, wall: number): number {
    const candidates = [zone.offset(wall - DAY), zone.offset(wall + DAY)]
      .map((offset) => wall - offset * 60_000)
      .filter((instant) => zone.offset(instant) * 60_000 === wall - instant)
      .sort((a, b) => a - b);
    return candidates[0] ?? wall - zone.offset(wall - DAY) * 60_000;
  }

  it.each(['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'America/Sao_Paulo', 'Pacific/Chatham', 'Asia/Tehran', 'Europe/Moscow'])(
    'matches the reference every 15 minutes of every transition day of 2010–2022 in %s',
    (name) => {
      const zone = IANAZone.create(name);
      const clock = new ZoneClock(name, '/tz');
      let transitionDays = 0;
      for (let day = Date.UTC(2010, 0, 1); day < Date.UTC(2023, 0, 1); day += DAY) {
        if (zone.offset(day) === zone.offset(day + DAY)) continue;
        transitionDays++;
        for (let wall = day - DAY; wall < day + 2 * DAY; wall += 15 * 60_000) {
          expect(clock.instantOf(wall), `${new Date(wall).toISOString()} ${name}`).toBe(reference(zone, wall));
        }
      }
      expect(transitionDays).toBeGreaterThan(0);
    },
  );

  it("is deterministic where luxon's answer depends on the date of the run", () => {
    const clock = new ZoneClock('America/New_York', '/tz');
    const wall = Date.UTC(2021, 10, 7, 1, 30);
    Settings.now = () => Date.UTC(2021, 6, 1);
    const inSummer = DateTime.fromISO('2021-11-07T01:30:00', { zone: 'America/New_York' }).toMillis();
    Settings.now = () => Date.UTC(2021, 0, 1);
    const inWinter = DateTime.fromISO('2021-11-07T01:30:00', { zone: 'America/New_York' }).toMillis();
    expect(inSummer).not.toBe(inWinter);
    expect(clock.instantOf(wall)).toBe(Math.min(inSummer, inWinter));
  });

  it('keeps working when its cache fills up', () => {
    const clock = new ZoneClock('Asia/Shanghai', '/tz');
    for (let day = 0; day < 40_010; day++) clock.instantOf(Date.UTC(1800, 0, 1) + day * DAY);
    expect(clock.instantOf(Date.UTC(2019, 2, 5, 14, 22, 10))).toBe(Date.UTC(2019, 2, 5, 6, 22, 10));
  });
});

describe('the ISO helpers', () => {
  it('isoUtcText writes what Date#toISOString writes for years 0–9999', () => {
    const edges = [0, -1, 1, 951_782_400_000, 951_868_799_999, -62_167_219_200_000, 253_402_300_799_999, Date.UTC(1900, 1, 28, 23, 59, 59, 999), Date.UTC(2000, 1, 29)];
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const randoms = Array.from({ length: 20_000 }, () => Math.floor(-62_167_219_200_000 + random() * (253_402_300_799_999 + 62_167_219_200_000)));
    for (const instant of [...edges, ...randoms]) expect(isoUtcText(instant)).toBe(new Date(instant).toISOString());
  });

  it('readPlainDateTime reads exactly yyyy-MM-dd HH:mm:ss and yyyy-MM-ddTHH:mm:ss', () => {
    expect(readPlainDateTime('2019-03-05 14:22:10')).toBe(Date.UTC(2019, 2, 5, 14, 22, 10));
    expect(readPlainDateTime('2019-03-05T14:22:10')).toBe(Date.UTC(2019, 2, 5, 14, 22, 10));
    expect(readPlainDateTime('0099-12-31 23:59:59')).toBe(new Date('0099-12-31T23:59:59Z').getTime());
    for (const other of ['2019-03-05 14:22', '2019-03-05x14:22:10', '2019-02-29 00:00:00', '2019-03-05 24:00:00', '2019-3-05 14:22:10', '２０１９-03-05 14:22:1', '2019-03-05 14:22:1a', '2019/03/05 14:22:10']) {
      expect(readPlainDateTime(other), other).toBeNaN();
    }
  });
});

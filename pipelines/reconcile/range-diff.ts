/**
 * Finds the keys whose target rows differ from what they should hold, without moving every row:
 * a range of keys is checked with one checksum (row count and sum of row digests) computed by the
 * target database; a range that differs is halved and each half checked again, down to ranges
 * small enough to fetch the rows' digests (as data-diff does). A few differences in millions of
 * rows cost a few dozen small queries; an untouched range costs one.
 */

/** What a row should hash to, by its key. */
export interface ExpectedDigest {
  readonly key: string;
  readonly digest: bigint;
}

/** The aggregate of the target rows of a set of keys. */
export interface RangeChecksum {
  readonly count: number;
  readonly sum: bigint;
}

/** The target side of the search: answered by the target database, one query per call. */
export interface TargetProbe {
  /** Count and digest sum of the target rows whose key is one of `keys`. */
  checksum(keys: readonly string[]): Promise<RangeChecksum>;
  /** Each target row's digest, by key, for a range small enough to list. */
  digests(keys: readonly string[]): Promise<Map<string, bigint>>;
}

export interface RangeDiffResult {
  /** Keys whose target row exists but holds other values. */
  readonly differing: string[];
  /** Keys with no target row. */
  readonly missing: string[];
  /** Checksum queries made. */
  readonly checksums: number;
  /** Target rows whose digests were fetched (leaf ranges only). */
  readonly rowsFetched: number;
}

/**
 * Compares `expected` (keys unique, any order that both sides share) with the target.
 * @param leafSize ranges of at most this many keys are listed row by row instead of halved. @default 32
 */
export async function diffRanges(expected: readonly ExpectedDigest[], probe: TargetProbe, leafSize = 32): Promise<RangeDiffResult> {
  if (!Number.isInteger(leafSize) || leafSize < 1) throw new TypeError(`Expected \`leafSize\` to be an integer ≥ 1, got \`${leafSize}\` (${typeof leafSize})`);
  const result = { differing: [] as string[], missing: [] as string[], checksums: 0, rowsFetched: 0 };
  const list = async (range: readonly ExpectedDigest[]) => {
    const actual = await probe.digests(range.map((row) => row.key));
    result.rowsFetched += actual.size;
    for (const row of range) {
      const digest = actual.get(row.key);
      if (digest === undefined) result.missing.push(row.key);
      else if (digest !== row.digest) result.differing.push(row.key);
    }
  };
  const check = async (range: readonly ExpectedDigest[]): Promise<void> => {
    if (range.length === 0) return;
    result.checksums++;
    const actual = await probe.checksum(range.map((row) => row.key));
    let sum = 0n;
    for (const row of range) sum += row.digest;
    if (actual.count === range.length && actual.sum === sum) return;
    if (range.length <= leafSize) return list(range);
    const middle = Math.ceil(range.length / 2);
    await check(range.slice(0, middle));
    await check(range.slice(middle));
  };
  await check(expected);
  return result;
}

/**
 * The generator's only source of randomness: a seeded sfc32 PRNG. Never `Math.random`, so that a
 * seed reproduces every row, byte for byte, on every machine.
 */

/** A deterministic random stream. `fork(label)` derives an independent stream for one concern. */
export class Random {
  readonly #seed: number;
  readonly #label: string;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /**
   * @param seed an unsigned 32-bit integer.
   * @param label names the stream; streams with different labels do not overlap in practice.
   */
  constructor(seed: number, label = 'root') {
    this.#seed = seed >>> 0;
    this.#label = label;
    // splitmix32 spreads the seed and the label hash over the four words of sfc32's state.
    let state = (this.#seed ^ hashLabel(label)) >>> 0;
    const nextWord = () => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = nextWord();
    this.#b = nextWord();
    this.#c = nextWord();
    this.#d = nextWord();
    for (let i = 0; i < 12; i++) this.#nextUint32();
  }

  /**
   * An independent stream derived from this one's seed and label, not from how much of this
   * stream was used: adding a draw to customers does not shift every ticket.
   */
  fork(label: string): Random {
    return new Random(this.#seed, `${this.#label}/${label}`);
  }

  /** A float in [0, 1). */
  next(): number {
    return this.#nextUint32() / 4294967296;
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Expected a non-empty list to pick from');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** One value, with probability proportional to its weight. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, weight] of entries) total += weight;
    let at = this.next() * total;
    for (const [value, weight] of entries) {
      at -= weight;
      if (at < 0) return value;
    }
    return entries[entries.length - 1]![0];
  }

  /** A string of `length` decimal digits, the first one from `first` (default 0-9). */
  digits(length: number, first = '0123456789'): string {
    let text = first[Math.floor(this.next() * first.length)]!;
    for (let i = 1; i < length; i++) text += String(Math.floor(this.next() * 10));
    return text;
  }

  /** Shuffles in place (Fisher-Yates) and returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const held = items[i]!;
      items[i] = items[j]!;
      items[j] = held;
    }
    return items;
  }

  #nextUint32(): number {
    // sfc32 (Chris Doty-Humphrey, PractRand): 128-bit state, passes BigCrush, 32-bit integer math only.
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }
}

/** FNV-1a over UTF-16 code units. */
function hashLabel(label: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Draws categories with exact totals from a stream of unknown position: each call takes one of the
 * remaining quotas with probability quota / rows left, so that after `rows` calls every category
 * got exactly its quota, without holding the rows (selection sampling, Knuth TAOCP 3.4.2 S).
 */
export class QuotaDraw<Category extends string> {
  readonly #random: Random;
  readonly #left: Map<Category, number>;
  #rowsLeft: number;

  constructor(random: Random, rows: number, quotas: Readonly<Record<Category, number>>) {
    this.#random = random;
    this.#rowsLeft = rows;
    this.#left = new Map(Object.entries(quotas) as [Category, number][]);
  }

  /** The category of the next row, or `null` for an ordinary row. */
  next(): Category | null {
    let at = this.#random.next() * this.#rowsLeft;
    this.#rowsLeft--;
    for (const [category, left] of this.#left) {
      if (at < left) {
        this.#left.set(category, left - 1);
        return category;
      }
      at -= left;
    }
    return null;
  }
}

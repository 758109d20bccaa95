/**
 * A set of strings that answers "certainly not here" or "maybe here" (a Bloom filter): a first
 * load of millions of rows can skip the state lookups of keys it has never written, and ask the
 * database only about the few it may have. No false negatives; false positives only cost the
 * lookup they would have cost anyway. At the default density, 8 bits a key and 6 probes, about
 * 2 % false positives (5,000,000 keys in 5 MB); at 4 bits and 3 probes, about 15 % in half the
 * memory. Sized for the keys expected; past that it grows by adding a filter twice the size of the
 * last one, each adding its own share of false positives (start it at the right size when you can).
 */
export interface FilterDensity {
  /** @default 8 */
  readonly bitsPerKey?: number;
  /** Bits set per key: about `bitsPerKey × ln 2` gives the fewest false positives. @default 6 */
  readonly probes?: number;
}

class Layer {
  readonly #bits: Uint32Array;
  readonly #size: number;
  readonly #probes: number;
  readonly capacity: number;
  size = 0;

  constructor(capacity: number, bitsPerKey: number, probes: number) {
    this.capacity = capacity;
    this.#bits = new Uint32Array(Math.ceil((capacity * bitsPerKey) / 32));
    this.#size = this.#bits.length * 32;
    this.#probes = probes;
  }

  /** The i-th probe's bit: a 32-bit hash scaled onto the array (no power-of-two rounding, no division). */
  #bit(h1: number, h2: number, i: number): number {
    return Math.floor(((h1 + Math.imul(i, h2)) >>> 0) * (this.#size / 4294967296));
  }

  add(h1: number, h2: number): void {
    for (let i = 0; i < this.#probes; i++) {
      const bit = this.#bit(h1, h2, i);
      this.#bits[bit >>> 5]! |= 1 << (bit & 31);
    }
    this.size++;
  }

  get bytes(): number {
    return this.#bits.byteLength;
  }

  has(h1: number, h2: number): boolean {
    for (let i = 0; i < this.#probes; i++) {
      const bit = this.#bit(h1, h2, i);
      if ((this.#bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

export class KeyFilter {
  readonly #layers: Layer[];
  readonly #bitsPerKey: number;
  readonly #probes: number;

  /** @param capacity keys of the first layer; later layers double it. @default 65536 */
  constructor(capacity = 65_536, { bitsPerKey = 8, probes = 6 }: FilterDensity = {}) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError(`Expected \`capacity\` to be an integer ≥ 1, got \`${String(capacity)}\` (${typeof capacity})`);
    if (!Number.isInteger(bitsPerKey) || bitsPerKey < 1 || bitsPerKey > 32) throw new TypeError(`Expected \`bitsPerKey\` to be an integer in 1…32, got \`${String(bitsPerKey)}\``);
    if (!Number.isInteger(probes) || probes < 1 || probes > 16) throw new TypeError(`Expected \`probes\` to be an integer in 1…16, got \`${String(probes)}\``);
    this.#bitsPerKey = bitsPerKey;
    this.#probes = probes;
    this.#layers = [new Layer(capacity, bitsPerKey, probes)];
  }

  add(key: string): void {
    let layer = this.#layers[this.#layers.length - 1]!;
    if (layer.size >= layer.capacity) {
      layer = new Layer(layer.capacity * 2, this.#bitsPerKey, this.#probes);
      this.#layers.push(layer);
    }
    const [h1, h2] = hashes(key);
    layer.add(h1, h2);
  }

  /** False: the key was never added. True: it probably was. */
  mightHave(key: string): boolean {
    const [h1, h2] = hashes(key);
    return this.#layers.some((layer) => layer.has(h1, h2));
  }

  /** Bytes held by the bit arrays. */
  get bytes(): number {
    return this.#layers.reduce((sum, layer) => sum + layer.bytes, 0);
  }
}

/** Two independent 32-bit hashes of the key's UTF-16 code units (FNV-1a and a multiplicative mix); the second is odd, so probes spread over the whole array. */
function hashes(key: string): [number, number] {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  return [h1 >>> 0, (h2 | 1) >>> 0];
}

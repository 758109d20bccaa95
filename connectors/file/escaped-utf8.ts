/**
 * UTF-8 decoding that keeps going past a bad byte. Each byte that does not belong to a valid
 * UTF-8 sequence becomes a lone surrogate U+DC80–U+DCFF carrying the byte (Python's
 * `surrogateescape`, PEP 383): text decoded from valid bytes never holds a lone surrogate, so the
 * record that contains one is known to hold undecodable bytes, and which ones. The file readers
 * reject that record alone, naming the field and the bytes, and read on.
 */
import { isUtf8 } from 'node:buffer';

/** A streaming decoder: bytes of a sequence cut by a chunk boundary wait for the next chunk. */
export class EscapingUtf8Decoder {
  #carry: Buffer | null = null;

  /** Text of `bytes`; `final` also decodes (escaping) an incomplete sequence at the end. */
  decode(bytes: Buffer | undefined, final = false): string {
    let input = bytes ?? Buffer.alloc(0);
    if (this.#carry) {
      input = Buffer.concat([this.#carry, input]);
      this.#carry = null;
    }
    const end = final ? input.length : completeLength(input);
    if (end < input.length) this.#carry = Buffer.from(input.subarray(end));
    const whole = input.subarray(0, end);
    return isUtf8(whole) ? whole.toString('utf8') : decodeEscaping(whole);
  }
}

/** The first character code that marks an escaped byte (U+DC80 is byte 0x80). */
const ESCAPE_BASE = 0xdc00;

const ESCAPED = /[\uDC80-\uDCFF]/u;

/** The escaped bytes in `text` as `0xC3 0x28`, or null when there is none. */
export function escapedBytes(text: string): string | null {
  // `u`: the low half of a valid pair (U+1F080 is D83C DC80) is part of one code point, not a match.
  if (!ESCAPED.test(text)) return null;
  const found: string[] = [];
  for (const match of text.matchAll(/[\uDC80-\uDCFF]/gu)) {
    found.push(`0x${(match[0].charCodeAt(0) - ESCAPE_BASE).toString(16).toUpperCase()}`);
    if (found.length === 8) break;
  }
  return found.length === 0 ? null : found.join(' ');
}

/** Bytes up to the start of an incomplete sequence at the end (at most 3 bytes are held back). */
function completeLength(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if (byte < 0x80) return bytes.length;
    if (byte >= 0xc0) return sequenceLength(byte) > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

/** Length of the valid sequence at `at`, or 0 when the byte there starts none (RFC 3629 ranges). */
function validSequenceAt(bytes: Buffer, at: number): number {
  const lead = bytes[at]!;
  if (lead < 0x80) return 1;
  const length = sequenceLength(lead);
  if (length === 1 || at + length > bytes.length) return 0;
  const second = bytes[at + 1]!;
  const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
  const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
  if (second < low || second > high) return 0;
  for (let i = 2; i < length; i++) if ((bytes[at + i]! & 0xc0) !== 0x80) return 0;
  return length;
}

function decodeEscaping(bytes: Buffer): string {
  let text = '';
  let runStart = 0;
  let at = 0;
  while (at < bytes.length) {
    const length = validSequenceAt(bytes, at);
    if (length > 0) {
      at += length;
      continue;
    }
    text += bytes.toString('utf8', runStart, at) + String.fromCharCode(ESCAPE_BASE + bytes[at]!);
    at++;
    runStart = at;
  }
  return text + bytes.toString('utf8', runStart, at);
}

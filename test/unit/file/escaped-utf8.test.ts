import { describe, expect, it } from 'vitest';
import { EscapingUtf8Decoder, escapedBytes } from '../../../connectors/file/escaped-utf8.js';

const decodeAll = (chunks: readonly number[][]) => {
  const decoder = new EscapingUtf8Decoder();
  return chunks.map((chunk) => decoder.decode(Buffer.from(chunk))).join('') + decoder.decode(undefined, true);
};

describe('EscapingUtf8Decoder', () => {
  it('decodes valid UTF-8 as TextDecoder does, across any chunk boundary', () => {
    const bytes = [...Buffer.from('a张🎉é\n')];
    for (let cut = 0; cut <= bytes.length; cut++) expect(decodeAll([bytes.slice(0, cut), bytes.slice(cut)])).toBe('a张🎉é\n');
  });

  it('escapes each invalid byte as U+DC80–U+DCFF and keeps the text around it', () => {
    // 0xE9 alone (Latin-1 é), an overlong '/', an encoded surrogate, a cut sequence at the end
    const text = decodeAll([[0x63, 0x61, 0x66, 0xe9, 0x2c], [0xc0, 0xaf, 0xed, 0xa0, 0x80, 0x41, 0xe5, 0xbc]]);
    expect(text).toBe('caf\uDCE9,\uDCC0\uDCAF\uDCED\uDCA0\uDC80A\uDCE5\uDCBC');
    expect(escapedBytes(text)).toBe('0xE9 0xC0 0xAF 0xED 0xA0 0x80 0xE5 0xBC');
    expect(escapedBytes('张伟 🎉 \u{1F080}')).toBeNull();
  });
});

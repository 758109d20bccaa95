import { describe, expect, it } from 'vitest';
import { isStorableText, storableJson, storableText, unstorableDetail } from '../../../pipelines/state/storable-text.js';
import { unstorableKeyReason, unstorableValueProblems } from '../../../pipelines/runner/stages/storable-values.js';

describe('storable text', () => {
  it('shows a NUL as the six characters \\u0000 and replaces lone surrogates, leaving pairs alone', () => {
    expect(storableText('Bad\u0000Name')).toBe('Bad\\u0000Name');
    expect(storableText('x\uD800y\uDCE9z')).toBe('x\uFFFDy\uFFFDz');
    expect(storableText('emoji 🎉👍🏽, 张伟')).toBe('emoji 🎉👍🏽, 张伟');
    expect(isStorableText('🎉\u{1F080}')).toBe(true);
    expect(isStorableText('\uD83C')).toBe(false);
  });

  it('says what an unstorable string holds', () => {
    expect(unstorableDetail('ok')).toBeNull();
    expect(unstorableDetail('a\u0000')).toBe('a NUL character (U+0000)');
    expect(unstorableDetail('caf\uDCE9')).toMatch(/the byte 0xE9, which is not valid in the file's encoding/);
    expect(unstorableDetail('\uD800')).toMatch(/a lone surrogate \(U\+D800\)/);
  });

  it('writes JSON that jsonb accepts: property names and nested values too, bigints as text', () => {
    const json = storableJson({ ['na\u0000me']: ['v\u0000', 12345678901234567890n, { deep: '\uDFFF' }], n: null });
    // jsonb refuses the escapes `\u0000` and `\udXXX` (a lone surrogate); an escaped backslash before `u0000` is plain text
    expect(json).not.toMatch(/(?<!\\)\\u(0000|d[89a-f])/i);
    expect(JSON.parse(json)).toEqual({ 'na\\u0000me': ['v\\u0000', '12345678901234567890', { deep: '\uFFFD' }], n: null });
    expect(storableJson(undefined)).toBe('null');
  });
});

describe('what a row may carry into PostgreSQL', () => {
  it('refuses a key with a NUL, showing it escaped', () => {
    expect(unstorableKeyReason('id', '57')).toBeNull();
    expect(unstorableKeyReason('id', '57\u0000x')).toMatch(/^key `id` '57\\u0000x' contains a NUL character \(U\+0000\)/);
  });

  it('names each field whose text, at any depth, PostgreSQL cannot store', () => {
    expect(unstorableValueProblems({ a: 'fine', b: 1, c: null, d: { e: ['ok'] } })).toEqual([]);
    const problems = unstorableValueProblems({ name: 'Bad\u0000Name', tags: { list: ['\uD800'] } });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^field `name` contains a NUL character .*replace/);
    expect(problems[1]).toMatch(/^field `tags` contains a lone surrogate/);
  });
});

/**
 * Jaro-Winkler similarity, by code point (so that Chinese names compare character by character).
 * 1 for equal strings, 0 for nothing in common; the Winkler bonus rewards a shared prefix of up to
 * four characters, which suits names (their beginnings are typed most carefully).
 */
export function jaroWinkler(a: string, b: string, prefixScale = 0.1): number {
  const jaro = jaroSimilarity(a, b);
  if (jaro === 0) return 0;
  const left = Array.from(a);
  const right = Array.from(b);
  let prefix = 0;
  while (prefix < 4 && prefix < left.length && prefix < right.length && left[prefix] === right[prefix]) prefix++;
  return jaro + prefix * prefixScale * (1 - jaro);
}

export function jaroSimilarity(a: string, b: string): number {
  const left = Array.from(a);
  const right = Array.from(b);
  if (left.length === 0 && right.length === 0) return 1;
  if (left.length === 0 || right.length === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(left.length, right.length) / 2) - 1);
  const leftMatched = new Uint8Array(left.length);
  const rightMatched = new Uint8Array(right.length);
  let matches = 0;
  for (let i = 0; i < left.length; i++) {
    const from = Math.max(0, i - window);
    const to = Math.min(right.length - 1, i + window);
    for (let j = from; j <= to; j++) {
      if (rightMatched[j] || left[i] !== right[j]) continue;
      leftMatched[i] = 1;
      rightMatched[j] = 1;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  for (let i = 0, j = 0; i < left.length; i++) {
    if (!leftMatched[i]) continue;
    while (!rightMatched[j]) j++;
    if (left[i] !== right[j]) transpositions++;
    j++;
  }
  const m = matches;
  return (m / left.length + m / right.length + (m - transpositions / 2) / m) / 3;
}

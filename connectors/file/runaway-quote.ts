/**
 * Finds the quote that made a CSV record swallow the lines after it. Papaparse pairs an opening
 * quote with the next quote anywhere further on, so one quote that is never closed turns the rest
 * of the file (or everything up to the next quoted field) into a single record; this scanner walks
 * a record's text the way papaparse does and names the opening quote to blame.
 */

/** Why a quoted field is taken for one that is never closed. */
export const RUNAWAY_CAUSES = ['end-of-file', 'next-quote', 'lines', 'chars'] as const;
export type RunawayCause = (typeof RUNAWAY_CAUSES)[number];

export interface RunawayQuote {
  /** Offset of the opening quote in the scanned text. */
  readonly at: number;
  /**
   * - `end-of-file`: no quote closes it before the end of the file;
   * - `next-quote`: it runs past its line, and the next quote there does not close a field (it
   *   opens a later field, so the line's own quote was never closed);
   * - `lines` / `chars`: it runs over more lines or characters than the bounds allow.
   */
  readonly cause: RunawayCause;
}

export interface QuoteBounds {
  /** Line breaks allowed inside one quoted field. */
  readonly maxLines: number;
  /** Characters allowed in one quoted field, quotes included. */
  readonly maxChars: number;
}

/**
 * Scans the text of one record (complete, or the incomplete tail of what was read so far when
 * `complete` is false) field by field, as papaparse's `Parser` does: a quote is special only at
 * the start of a field, `""` inside quotes is a quote, and a closing quote may be followed by
 * spaces before the delimiter or line break. Returns the first quoted field that is out of
 * bounds or unclosed, or null.
 */
export function findRunawayQuote(text: string, delimiter: string, newline: '\n' | '\r', bounds: QuoteBounds, complete: boolean): RunawayQuote | null {
  let at = 0;
  for (;;) {
    if (text[at] !== '"') {
      const nextDelimiter = text.indexOf(delimiter, at);
      const nextNewline = text.indexOf(newline, at);
      if (nextDelimiter < 0 || (nextNewline >= 0 && nextNewline < nextDelimiter)) return null;
      at = nextDelimiter + delimiter.length;
      continue;
    }
    const open = at;
    const span = new FieldSpan(text, open, bounds);
    let search = open + 1;
    for (;;) {
      const quote = text.indexOf('"', search);
      // The bounds first, so that the cause is the first thing met in the text, however much of it has been read.
      const bounded = span.reach(quote < 0 ? text.length : quote + 1);
      if (bounded) return { at: open, cause: bounded };
      if (quote < 0) return complete ? { at: open, cause: 'end-of-file' } : null;
      if (text[quote + 1] === '"') {
        search = quote + 2;
        continue;
      }
      const after = closingEnd(text, quote, delimiter, newline);
      // At the end of a complete record the quote closes it; in an incomplete tail more may follow.
      if (after === 'undecided') return null;
      if (after !== null) {
        at = after;
        break;
      }
      // A malformed closing quote on a later line belongs to a later field: the line's quote stayed open.
      if (hasLineBreak(text, open, quote)) return { at: open, cause: 'next-quote' };
      search = quote + 1;
    }
    if (text[at - 1] !== delimiter) return null;
  }
}

/**
 * Where the next field starts after a quote that closes a field (just after the delimiter), the
 * end of the record (after the line break), null when the quote does not close the field, or
 * `undecided` when the text ends before that can be told.
 */
function closingEnd(text: string, quote: number, delimiter: string, newline: string): number | null | 'undecided' {
  let at = quote + 1;
  if (at === text.length) return 'undecided';
  while (at < text.length && text[at] !== delimiter && text[at] !== newline && /\s/.test(text[at]!)) at++;
  if (at === text.length) return 'undecided';
  if (text[at] === delimiter || text[at] === newline) return at + 1;
  return null;
}

/** Line breaks of a quoted field counted as far as it has been scanned, so that each character is looked at once. */
class FieldSpan {
  readonly #text: string;
  readonly #open: number;
  readonly #bounds: QuoteBounds;
  #end: number;
  #breaks = 0;

  constructor(text: string, open: number, bounds: QuoteBounds) {
    this.#text = text;
    this.#open = open;
    this.#bounds = bounds;
    this.#end = open;
  }

  /** Extends the field to `end` (exclusive); the bound it then exceeds, or null. */
  reach(end: number): 'lines' | 'chars' | null {
    // Whichever bound the field passes first: lines are counted only as far as the characters allow.
    const tooLong = end - this.#open > this.#bounds.maxChars;
    const limit = tooLong ? this.#open + this.#bounds.maxChars + 1 : end;
    const text = this.#text;
    for (let i = this.#end; i < limit; i++) {
      const c = text.charCodeAt(i);
      // CRLF, CR and LF each end one physical line (a CR at `end - 1` is counted once its LF is reached or not).
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
        if (++this.#breaks > this.#bounds.maxLines) return 'lines';
      }
    }
    if (tooLong) return 'chars';
    this.#end = Math.max(this.#end, end);
    return null;
  }
}

function hasLineBreak(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
  }
  return false;
}

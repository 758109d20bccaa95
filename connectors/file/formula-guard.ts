/**
 * Formula protection for CSV files a person opens in a spreadsheet (OWASP "CSV injection"): keys
 * and values come from legacy data, and a cell such as `=HYPERLINK(…)` or `@SUM(…)` must not run,
 * nor `+862148631096` turn into the number 862148631096. Such text gets a leading apostrophe, which
 * spreadsheets read as "this cell is text".
 *
 * What is guarded: text starting with `=`, `+`, `-`, `@`, tab or carriage return (OWASP's list),
 * and text starting with apostrophes before one of those, so that {@link unguardFormula} gives
 * every value back exactly, whatever it held. What is not: a negative number written plainly
 * (`-2`, `-0.5`, `-1.5e-7`). Every spreadsheet reads it as that number, never as a formula, and
 * `'-2` in an amount column would be a text cell nobody can add up; OWASP's guidance would prefix
 * it too, for simplicity. `+2` is guarded: the `+` would be lost.
 *
 * XLSX files need none of this: a string cell is text, whatever its first character.
 */

const TRIGGER = /^'*[=+\-@\t\r]/;
const GUARDED = /^'+[=+\-@\t\r]/;
/** A negative decimal number as programs print it: a spreadsheet reads it as that number. */
const NEGATIVE_NUMBER = /^-(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The text to write in a CSV cell so that a spreadsheet shows it as text.
 * @example
 * guardFormula('=1+1')          // "'=1+1"
 * guardFormula('+862148631096') // "'+862148631096"
 * guardFormula('-2')            // "-2"
 */
export function guardFormula(text: string): string {
  return TRIGGER.test(text) && !NEGATIVE_NUMBER.test(text) ? `'${text}` : text;
}

/** The value {@link guardFormula} was given, from the text it returned (a cell read back from a CSV file cutover wrote). */
export function unguardFormula(text: string): string {
  return GUARDED.test(text) ? text.slice(1) : text;
}

/**
 * A column or header name quoted for a message, so that what is easy to miss is seen: the quotes
 * show a leading or trailing space, and whitespace other than a plain space (a tab, a
 * non-breaking or ideographic space, a byte-order mark) is written as its escape.
 * @example quoteName(' given_name')  // "` given_name`"
 * @example quoteName('name\u00a0')   // "`name\\u00a0`"
 */
export function quoteName(name: string): string {
  return `\`${name.replace(/[^\S ]|\u200b/gu, escapeChar)}\``;
}

const NAMED: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escapeChar(char: string): string {
  return NAMED[char] ?? `\\u${char.codePointAt(0)!.toString(16).padStart(4, '0')}`;
}

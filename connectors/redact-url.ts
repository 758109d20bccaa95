/**
 * Redaction of connection URLs inside any text: messages, driver errors, log lines, stored error
 * text. A raw password may hold any character but a line break (`@`, `/`, `#`, `?`, `:`, spaces,
 * `%`), so the user name and password are taken as everything between `scheme://` and the last `@`
 * of the URL, and the password is hidden whole. When in doubt, more is hidden, never less.
 */

/** `scheme://`, wherever it occurs. */
const SCHEME = /\b([a-z][a-z0-9+.-]*):\/\//gi;

/**
 * Characters after which a `scheme://` starts a new URL rather than continuing a password: a URL
 * in prose follows a space, a quote or an opening bracket. `x://` glued to other text (a password
 * such as `pa://ss`) does not end the previous URL.
 */
const URL_START_BEFORE = /[\s`'"(<[{=,;|]/;

/** Schemes whose text after `//` is a path (a `:` there is a drive or a name, not a password). */
const PATH_SCHEMES = new Set(['file', 'pglite']);

/** A user name shown as written when it has only these characters; anything else is hidden too. */
const PLAIN_USER = /^[A-Za-z0-9._~!$&'()*+,;=%-]*$/;

/** A user name and password as {@link redactUrl} writes them, then the host part up to where the URL ends. */
const REDACTED = /^(?:[A-Za-z0-9._~!$&'()*+,;=%-]*|\*\*\*):\*\*\*@[^\s`'"@]*(?:[\s`'"]|$)/;

/** `:1234` followed by the end of the host part (or by a message's `: `): a port, not a password. */
const PORT = /^:\d{1,5}(?=$|[/?#\s`'")\],;>]|[.:](?=\s|$))/;

/** `: ` right after the host: a message naming the endpoint (`https://api.example.com: POST /x failed`). */
const MESSAGE_SEPARATOR = /^:(?=\s|$)/;

/**
 * Replaces the password of every URL in `text` with `***` (`mysql://user:***@host:3306/db`). Safe
 * on text that is not a URL. Also hides what follows `host:` when it is not a port and no `@`
 * follows, which is what a URL cut short inside its password looks like.
 *
 * @example redactUrl('connect mysql://app:Rel9/Sec@Pw2#x@127.0.0.1:3306/db failed') // 'connect mysql://app:***@127.0.0.1:3306/db failed'
 */
export function redactUrl(text: string): string {
  return text
    .split(/(\r?\n)/)
    .map((line) => (line.includes('://') ? redactLine(line) : line))
    .join('');
}

/**
 * A configuration value for a message: {@link redactUrl} for URL-like text; otherwise everything
 * before the last `@` is hidden (`user:pw@host/db` written without its scheme).
 */
export function redactValue(text: string): string {
  if (text.includes('://')) return redactUrl(text);
  const at = text.lastIndexOf('@');
  return at < 0 ? text : `***${text.slice(at)}`;
}

function redactLine(line: string): string {
  const starts = [...line.matchAll(SCHEME)].map((m) => ({ at: m.index, after: m.index + m[0].length, scheme: m[1]!.toLowerCase() }));
  const bounds = starts.filter((s) => s.at === 0 || URL_START_BEFORE.test(line[s.at - 1]!)).map((s) => s.at);
  let out = '';
  let copied = 0;
  for (const start of starts) {
    if (start.after <= copied) continue; // inside a userinfo already hidden
    const end = bounds.find((b) => b > start.at) ?? line.length;
    // Already redacted (`user:***@host…`), with no `@` before the URL ends: prose after it may
    // hold an `@` of its own. Only a raw password that starts with `***@` and has a space, quote
    // or backtick before its last `@` would look the same.
    if (REDACTED.test(line.slice(start.after, end))) continue;
    const at = line.lastIndexOf('@', end - 1);
    if (at >= start.after) {
      const userinfo = line.slice(start.after, at);
      const colon = userinfo.indexOf(':');
      // No `:`: a user name alone, nothing secret.
      if (colon < 0) continue;
      const user = userinfo.slice(0, colon);
      out += `${line.slice(copied, start.after)}${PLAIN_USER.test(user) ? user : '***'}:***@`;
      copied = at + 1;
      continue;
    }
    if (PATH_SCHEMES.has(start.scheme)) continue;
    const hostEnd = /^[^\s/:@?#`'"]*/.exec(line.slice(start.after, end))![0].length + start.after;
    if (line[hostEnd] === ':' && !PORT.test(line.slice(hostEnd, end)) && !MESSAGE_SEPARATOR.test(line.slice(hostEnd, end))) {
      out += `${line.slice(copied, hostEnd)}:***`;
      copied = end;
    }
  }
  return out + line.slice(copied);
}

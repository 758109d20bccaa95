/**
 * `email`: normalises and validates e-mail addresses pragmatically: the shapes that real mail
 * systems accept and that the new CRM's `format: email` check accepts, not the full RFC 5322
 * grammar (no quoted local parts, no comments, no IP-literal domains).
 *
 * Internationalised domains (`info@münchen.de`, `用户@例子.中国`'s domain) are valid when they pass
 * the WHATWG/UTS #46 IDNA mapping, and are written in their ASCII (punycode) form
 * (`info@xn--mnchen-3ya.de`): that form is what SMTP, DNS and JSON Schema's `format: email` accept,
 * and it gives each address one spelling for de-duplication. Local parts must be ASCII: SMTPUTF8
 * mailboxes are rare and many systems refuse them, so they are rejected with a reason.
 */
import { domainToASCII } from 'node:url';
import { onInvalid, ON_INVALID, quote, type FieldTransform, type OnInvalid } from './field-transform.js';
import { describeKind } from './scalar-text.js';
import { INVALID_OPTION_SCHEMA, optionsSchema, transformSchema } from './transform-schema.js';
import { trimText } from './whitespace.js';

/** `{ email: { invalid: 'null', lowercase: false } }`. */
export type EmailItem = { email: { readonly invalid?: OnInvalid; readonly lowercase?: boolean } };

const NON_ASCII = /[^\x00-\x7f]/;
const MAILTO = /^mailto:/i;
// `Zhang Wei <zhang.wei@example.com>` and `"Wei, Zhang" <…>`.
const NAME_ADDR = /^[^<>]*<([^<>]*)>$/;
// RFC 5322 atext plus the dot; dots are checked separately.
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+$/i;
const LOCAL_PART_BAD_CHAR = /[^a-z0-9!#$%&'*+/=?^_`{|}~.-]/i;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LEVEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/**
 * Normalises an address: trims it, unwraps `Name <addr>` and `mailto:`, folds full-width
 * characters (`zhang＠qq.com`) with NFKC, lower-cases the domain (and the local part when
 * `lowercase`), converts an internationalised domain to punycode. Returns the address, or a
 * problem that completes the sentence "… is not a valid e-mail address: ", or null when empty.
 */
export function normaliseEmail(raw: string, lowercase: boolean): string | EmailProblem | null {
  let text = trimText(raw);
  if (text === '') return null;
  if (NON_ASCII.test(text)) text = trimText(text.normalize('NFKC'));
  if (text.includes('<') || text.includes('>')) {
    const wrapped = NAME_ADDR.exec(text);
    if (!wrapped) return new EmailProblem("it has unmatched '<' or '>'");
    text = trimText(wrapped[1]!);
  }
  if (MAILTO.test(text)) {
    text = text.slice(7);
    const query = text.indexOf('?');
    if (query >= 0) text = text.slice(0, query);
  }
  const at = text.indexOf('@');
  if (at < 0) return new EmailProblem("it has no '@'");
  if (text.indexOf('@', at + 1) >= 0) return new EmailProblem("it has more than one '@'");
  const local = text.slice(0, at);
  let domain = text.slice(at + 1).toLowerCase();

  if (local === '') return new EmailProblem("nothing comes before the '@'");
  if (!LOCAL_PART.test(local)) {
    const bad = LOCAL_PART_BAD_CHAR.exec(local)![0];
    return new EmailProblem(`the part before '@' contains ${describeCharacter(bad)}`);
  }
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return new EmailProblem("the part before '@' starts or ends with a dot, or has two dots in a row");
  }
  if (local.length > 64) return new EmailProblem("the part before '@' is longer than 64 characters");

  if (domain === '') return new EmailProblem("nothing comes after the '@'");
  if (NON_ASCII.test(domain)) {
    const ascii = domainToASCII(domain);
    if (ascii === '') return new EmailProblem(`the domain '${domain}' is not a valid internationalised domain name`);
    domain = ascii;
  }
  const labels = domain.split('.');
  if (labels.length < 2) return new EmailProblem(`the domain '${domain}' has no dot`);
  for (const label of labels) {
    if (label === '') return new EmailProblem(`the domain '${domain}' starts or ends with a dot, or has two dots in a row`);
    if (!LABEL.test(label)) {
      return new EmailProblem(`the domain part '${label}' may only have letters, digits and inner hyphens (at most 63)`);
    }
  }
  const topLevel = labels[labels.length - 1]!;
  if (!TOP_LEVEL.test(topLevel)) return new EmailProblem(`the domain ends in '.${topLevel}', which is not a top-level domain of 2 or more letters`);
  if (local.length + 1 + domain.length > 254) return new EmailProblem('it is longer than 254 characters');
  return `${lowercase ? local.toLowerCase() : local}@${domain}`;
}

/** Why an address is not valid; completes "… is not a valid e-mail address: ". */
export class EmailProblem {
  constructor(readonly detail: string) {}
}

function describeCharacter(character: string): string {
  if (character === ' ') return 'a space';
  if (/\s/.test(character)) return `whitespace (U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`;
  if (NON_ASCII.test(character)) return `the non-ASCII character '${character}' (many mail systems refuse these)`;
  return `'${character}'`;
}

/**
 * `email`: `email` or `{ email: { invalid, lowercase } }` → a normalised address such as
 * `john.doe@example.com`; empty text → null.
 *
 * Invalid reasons: `'zhang.wei@@qq.com' is not a valid e-mail address: it has more than one '@'`.
 */
export const email: FieldTransform<EmailItem> = {
  name: 'email',
  summary: 'Normalise (trim, unwrap Name <addr> and mailto:, lower-case) and validate an e-mail address.',
  shorthand: { email: {} },
  schema: transformSchema(
    'email',
    'Normalise an e-mail address (trim, unwrap `Name <addr>` and `mailto:`, fold full-width characters, lower-case, punycode an internationalised domain) and validate it: one `@`, an ASCII local part without spaces, a domain with a dot and a top-level domain of 2+ letters.',
    optionsSchema('E-mail options.', {
      invalid: INVALID_OPTION_SCHEMA,
      lowercase: {
        description: 'Lower-case the whole address (true, the default) or only the domain (false: local parts are case-sensitive in theory, though almost never in practice).',
        type: 'boolean',
        default: true,
      },
    }),
  ),
  compile: (item) => {
    const policy = item.email.invalid ?? ON_INVALID[0];
    const lowercase = item.email.lowercase ?? true;
    return (value) => {
      if (value === null || value === undefined) return null;
      if (typeof value !== 'string') return onInvalid(policy, value, `${quote(value)} is not a valid e-mail address: it is ${describeKind(value)}, not text`);
      const result = normaliseEmail(value, lowercase);
      if (result instanceof EmailProblem) return onInvalid(policy, value, `${quote(value)} is not a valid e-mail address: ${result.detail}`);
      return result;
    };
  },
};

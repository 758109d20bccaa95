/**
 * Ticket subjects and bodies as customers wrote them: English in the support-ticket dataset's
 * style (unfilled `{product_purchased}` placeholders included) or Chinese, with double quotes,
 * commas, blank lines, CRLF and LF line breaks (mixed in one body, too), tabs from pasted tables,
 * emoji and quoted replies. Everything an export must carry byte for byte.
 */
import { TICKET_SUBJECTS } from './catalog.js';
import { fitText } from './legacy-schema.js';
import type { Random } from './random.js';

export type Subject = (typeof TICKET_SUBJECTS)[number];

type SubjectLine = readonly (readonly [(subject: Subject, product: string) => string, number])[];

const CHINESE_SUBJECTS: SubjectLine = [
  [([, zh]) => zh, 35],
  [([, zh]) => `【紧急】${zh}`, 15],
  [([, zh], product) => `${product} ${zh}`, 25],
  [([, zh], product) => `${zh}：${product}`, 15],
  [([, zh]) => `回复: ${zh}`, 10],
];

const ENGLISH_SUBJECTS: SubjectLine = [
  [([en]) => en, 35],
  [([en], product) => `${en} - ${product}`, 25],
  [([en]) => `Re: ${en}`, 15],
  [([en], product) => `FW: ${en} (${product})`, 10],
  [([en]) => `URGENT: ${en}!!`, 5],
  [([en], product) => `${product}: ${en.toLowerCase()}`, 10],
];

/** A subject line; Chinese customers mostly write Chinese ones. */
export function ticketSubject(random: Random, subject: Subject, product: string, chinese: boolean): string {
  const text = random.weighted(chinese && random.chance(0.7) ? CHINESE_SUBJECTS : ENGLISH_SUBJECTS)(subject, product);
  const padded = random.chance(0.02) ? ` ${text}` : random.chance(0.02) ? `${text} ` : text;
  return fitText(padded, 200);
}

export interface BodyContext {
  readonly product: string;
  readonly chinese: boolean;
  /** Who signs the ticket, if anyone. */
  readonly signature: string | null;
  readonly company: string | null;
  /** `yyyy-MM-dd` of a purchase or delivery mentioned in the text. */
  readonly date: string;
}

const EMOJI = ['🙏', '😊', '👍', '📦', '🔥', '😡', '✅', '⚠️', '🤔'];

/** A ticket body, or `null` (4 %) when the customer left it empty. */
export function ticketBody(random: Random, context: BodyContext): string | null {
  const roll = random.next();
  if (roll < 0.04) return null;
  if (roll < 0.05) return '';
  const parts = context.chinese && random.chance(0.75) ? paragraphs(random, context, CHINESE_OPENERS, CHINESE_DETAILS) : paragraphs(random, context, ENGLISH_OPENERS, ENGLISH_DETAILS);
  if (random.chance(0.12)) parts.push(quotedReply(random, context));
  const signature = signOff(random, context);
  if (signature !== null) parts.push(signature);

  // One newline style per body, or (as after copy and paste between mail clients) a mix.
  const style = random.weighted<'lf' | 'crlf' | 'mixed'>([['lf', 50], ['crlf', 35], ['mixed', 15]]);
  const newline = () => (style === 'lf' ? '\n' : style === 'crlf' ? '\r\n' : random.chance(0.5) ? '\n' : '\r\n');
  let body = '';
  for (const [index, paragraph] of parts.entries()) {
    if (index > 0) body += newline() + newline();
    body += paragraph.replaceAll('\n', newline());
  }
  if (random.chance(0.05)) body += random.pick([' ', '\t', '\n', '  \r\n']);
  return body;
}

/** What a paragraph can mention: the context plus a serial number. */
type Facts = BodyContext & { readonly serial: string; readonly emoji: string; readonly quantity: number; readonly price: string };
type Paragraph = (facts: Facts) => string;

const ENGLISH_OPENERS: readonly Paragraph[] = [
  (f) => `I'm having an issue with the ${f.product}. Please assist.`,
  (f) => `I'm facing a problem with my ${f.product}. The ${f.product} is not turning on. It was working fine until yesterday, but now it doesn't respond.`,
  (f) => `Hello, our ${f.product} (bought on ${f.date}) keeps restarting, every 10 minutes or so.`,
  (f) => `Hi team, we ordered 3 units of ${f.product}, but only 2 arrived ${f.emoji}`,
  () => `I'm having an issue with the {product_purchased}. Please assist.`,
];
const ENGLISH_DETAILS: readonly Paragraph[] = [
  () => `I've tried troubleshooting steps mentioned in the user manual, but the issue persists.`,
  () => `The error says "Device not recognized (code 43)", and then the screen goes black.`,
  () => `Steps so far:\n1. Restarted the device\n2. Re-installed the driver, version "4.2.1"\n3. Called the hotline, no answer`,
  (f) => `Serial\tModel\tPurchased\n${f.serial}\t${f.product}\t${f.date}`,
  () => `I've checked for any available software updates for my {product_purchased}, but there are none.`,
  () => `Please double check your email address, the invoice went to the wrong one, again.`,
  () => `It says "Battery at 5%, please charge", although it was charging all night.`,
];
const CHINESE_OPENERS: readonly Paragraph[] = [
  (f) => `您好，我们公司购买的${f.product}无法开机，麻烦尽快处理，谢谢！`,
  (f) => `你好，${f.product}用了不到一个月，屏幕就开始闪烁，能换货吗？`,
  (f) => `${f.product}连不上公司网络，IT同事已经检查过路由器，没有问题。`,
  (f) => `订单已付款三天了，还是没有发货${f.emoji}`,
];
const CHINESE_DETAILS: readonly Paragraph[] = [
  (f) => `设备型号：${f.product}，序列号：${f.serial}，购买日期：${f.date}。`,
  () => `已经按照说明书重启过三次，问题依旧。报错信息："连接超时（错误码 1024）"`,
  (f) => `客户很着急，今天下午之前需要回复${f.emoji}`,
  (f) => `发票抬头写错了，请重新开具，抬头为"${f.company ?? '本公司'}"，税号见附件。`,
  (f) => `型号\t数量\t单价\n${f.product}\t${f.quantity}\t¥${f.price}`,
  () => `Error message: "Timeout, please retry", 中英文都有，看不懂。`,
];

/** An opening paragraph and up to three different details. */
function paragraphs(random: Random, context: BodyContext, openers: readonly Paragraph[], details: readonly Paragraph[]): string[] {
  const facts: Facts = { ...context, serial: `SN-${random.digits(8)}`, emoji: random.pick(EMOJI), quantity: random.int(1, 20), price: `${random.int(5, 90)},${random.digits(3)}` };
  const chosen = random.shuffle([...details]).slice(0, random.int(0, 3));
  return [random.pick(openers)(facts), ...chosen.map((paragraph) => paragraph(facts))];
}

function quotedReply(random: Random, { chinese, date }: BodyContext): string {
  return chinese && random.chance(0.6)
    ? `> 在 ${date}，客服写道：\n> 请提供设备背面标签的照片，谢谢。`
    : `> On ${date}, support wrote:\n> Could you send us a photo of the label, please?\n>\n> Thanks, "Support Team"`;
}

function signOff(random: Random, { signature, company, chinese }: BodyContext): string | null {
  if (signature === null || random.chance(0.3)) return random.chance(0.1) ? 'Sent from my iPhone' : null;
  if (chinese) return random.weighted<string>([[`谢谢！\n${signature}`, 50], [`${signature}\n${company ?? ''}`.trim(), 30], [`--\n${signature}`, 20]]);
  return random.weighted<string>([[`Thanks,\n${signature}`, 50], [`Best regards,\n${signature}\n${company ?? ''}`.trim(), 30], [`Cheers, ${signature}`, 20]]);
}

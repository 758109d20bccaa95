/**
 * What the company sells and who sells it: the Maven CRM hardware products and sales agents, the
 * consumer products and subjects of the customer-support-ticket dataset, with Chinese versions.
 */

/** Maven CRM products with their US-dollar list price. */
export const PRODUCTS: readonly (readonly [name: string, usd: number])[] = [
  ['GTX Basic', 550],
  ['GTX Pro', 4821],
  ['MG Special', 55],
  ['MG Advanced', 3393],
  ['GTX Plus Pro', 5482],
  ['GTX Plus Basic', 1096],
  ['GTK 500', 26768],
];

/** Products customers open tickets about. */
export const SUPPORTED_PRODUCTS: readonly string[] = [
  'GTX Pro', 'GTX Plus Basic', 'MG Advanced', 'GTK 500', 'Canon EOS', 'GoPro Hero', 'Nest Thermostat', 'Philips Hue Lights',
  'Amazon Echo', 'LG Smart TV', 'Sony Xperia', 'Roomba Robot Vacuum', 'LG OLED', 'Apple AirPods', 'iPhone', 'Dell XPS',
  'Microsoft Office', 'HP Pavilion', 'Lenovo ThinkPad', 'MacBook Pro', 'Autodesk AutoCAD', 'Adobe Photoshop', 'Asus ROG',
];

/** Ticket subjects of the support dataset, each with the Chinese a local customer would write. */
export const TICKET_SUBJECTS: readonly (readonly [english: string, chinese: string])[] = [
  ['Refund request', '退款申请'],
  ['Software bug', '软件故障'],
  ['Product compatibility', '产品兼容性问题'],
  ['Delivery problem', '物流延迟'],
  ['Hardware issue', '硬件故障'],
  ['Battery life', '电池续航太短'],
  ['Network problem', '网络连接问题'],
  ['Installation support', '安装支持'],
  ['Product setup', '产品设置'],
  ['Payment issue', '付款问题'],
  ['Product recommendation', '产品推荐咨询'],
  ['Account access', '账号无法登录'],
  ['Peripheral compatibility', '外设兼容性'],
  ['Data loss', '数据丢失'],
  ['Cancellation request', '取消订单'],
  ['Display issue', '显示异常'],
];

/** Opportunity owners: Maven sales agents and the China team. */
export const SALES_REPS: readonly string[] = [
  'Anna Snelling', 'Cecily Lampkin', 'Versie Hillebrand', 'Moses Frase', 'Jonathan Berthelot', 'Marty Freudenburg',
  'Gladys Colclough', 'Darcel Schlecht', 'Mei-Mei Johns', 'Violet Mclelland', 'Rosie Papadopoulos', 'Garret Kinder',
  'Elizabeth Anderson', 'Boris Faz', 'Natalya Ivanova', 'Hayden Neloms', 'Markita Hansen', 'Kami Bicknell', 'Carl Lin',
  '王芳', '李强', '张伟', '刘洋', '陈静', '杨磊', '赵敏', '周杰', '吴婷', '孙浩', '徐丽', '马超',
];

/** How an opportunity was named, from the product, quantity and the customer's short name. */
export const OPPORTUNITY_NAME_PATTERNS = [
  (product: string, qty: number, customer: string) => `${customer} - ${product} x${qty}`,
  (product: string, _qty: number, customer: string) => `${joinWords(customer, product)}采购项目`,
  (product: string, qty: number) => `${product} ${qty}台`,
  (product: string, _qty: number, customer: string) => `${customer} renewal ${product}`,
  (product: string, qty: number) => `${qty} x ${product}`,
  (product: string, _qty: number, customer: string) => `${customer} ${product} 升级`,
] as const;

/** Chinese runs on without a space; Latin words need one: `华联贸易GTX Pro`, `Betatech GTX Pro`. */
function joinWords(first: string, second: string): string {
  return /[A-Za-z0-9)]$/.test(first) ? `${first} ${second}` : `${first}${second}`;
}

/**
 * Chinese vocabularies with their pinyin, so that a contact 王伟 gets an address like
 * `wang.wei@163.com` and 华联贸易 a domain like `hualian-trade.com.cn`.
 */

/** `[hanzi, pinyin]`. */
export type Hanzi = readonly [text: string, pinyin: string];

/** The most common surnames (Ministry of Public Security ranking), plus two compound ones. */
export const CHINESE_SURNAMES: readonly Hanzi[] = [
  ['王', 'wang'], ['李', 'li'], ['张', 'zhang'], ['刘', 'liu'], ['陈', 'chen'], ['杨', 'yang'], ['黄', 'huang'],
  ['赵', 'zhao'], ['吴', 'wu'], ['周', 'zhou'], ['徐', 'xu'], ['孙', 'sun'], ['马', 'ma'], ['朱', 'zhu'],
  ['胡', 'hu'], ['郭', 'guo'], ['何', 'he'], ['高', 'gao'], ['林', 'lin'], ['罗', 'luo'], ['郑', 'zheng'],
  ['梁', 'liang'], ['谢', 'xie'], ['宋', 'song'], ['唐', 'tang'], ['许', 'xu'], ['韩', 'han'], ['冯', 'feng'],
  ['邓', 'deng'], ['曹', 'cao'], ['彭', 'peng'], ['曾', 'zeng'], ['肖', 'xiao'], ['田', 'tian'], ['董', 'dong'],
  ['袁', 'yuan'], ['潘', 'pan'], ['于', 'yu'], ['蒋', 'jiang'], ['蔡', 'cai'], ['余', 'yu'], ['杜', 'du'],
  ['叶', 'ye'], ['程', 'cheng'], ['苏', 'su'], ['魏', 'wei'], ['吕', 'lv'], ['丁', 'ding'], ['任', 'ren'],
  ['沈', 'shen'], ['姚', 'yao'], ['卢', 'lu'], ['钟', 'zhong'], ['汪', 'wang'], ['欧阳', 'ouyang'], ['司马', 'sima'],
];

/** Given names, one or two characters. */
export const CHINESE_GIVEN_NAMES: readonly Hanzi[] = [
  ['伟', 'wei'], ['芳', 'fang'], ['娜', 'na'], ['秀英', 'xiuying'], ['敏', 'min'], ['静', 'jing'], ['丽', 'li'],
  ['强', 'qiang'], ['磊', 'lei'], ['军', 'jun'], ['洋', 'yang'], ['勇', 'yong'], ['艳', 'yan'], ['杰', 'jie'],
  ['娟', 'juan'], ['涛', 'tao'], ['明', 'ming'], ['超', 'chao'], ['秀兰', 'xiulan'], ['霞', 'xia'], ['平', 'ping'],
  ['刚', 'gang'], ['桂英', 'guiying'], ['建华', 'jianhua'], ['文', 'wen'], ['华', 'hua'], ['红', 'hong'],
  ['建国', 'jianguo'], ['志强', 'zhiqiang'], ['晓东', 'xiaodong'], ['海燕', 'haiyan'], ['雪梅', 'xuemei'],
  ['婷', 'ting'], ['浩', 'hao'], ['宇', 'yu'], ['欣怡', 'xinyi'], ['子涵', 'zihan'], ['俊杰', 'junjie'],
  ['佳琪', 'jiaqi'], ['梓萱', 'zixuan'], ['思远', 'siyuan'], ['丹', 'dan'], ['鹏', 'peng'], ['辉', 'hui'],
  ['玲', 'ling'], ['斌', 'bin'], ['宁', 'ning'], ['琳', 'lin'], ['颖', 'ying'], ['凯', 'kai'], ['晨', 'chen'],
  ['慧', 'hui'], ['国栋', 'guodong'], ['立新', 'lixin'], ['美玲', 'meiling'], ['振宇', 'zhenyu'],
];

/** First syllable of a two-character trade name (字号). */
export const BRAND_HEADS: readonly Hanzi[] = [
  ['华', 'hua'], ['恒', 'heng'], ['宏', 'hong'], ['金', 'jin'], ['东', 'dong'], ['鑫', 'xin'], ['中', 'zhong'],
  ['天', 'tian'], ['博', 'bo'], ['瑞', 'rui'], ['远', 'yuan'], ['新', 'xin'], ['嘉', 'jia'], ['永', 'yong'],
  ['德', 'de'], ['海', 'hai'], ['汇', 'hui'], ['盛', 'sheng'], ['长', 'chang'], ['银', 'yin'], ['亿', 'yi'],
  ['和', 'he'], ['润', 'run'], ['晨', 'chen'], ['蓝', 'lan'], ['星', 'xing'], ['聚', 'ju'], ['安', 'an'],
  ['振', 'zhen'], ['富', 'fu'], ['联', 'lian'], ['明', 'ming'], ['鼎', 'ding'], ['泰', 'tai'], ['普', 'pu'],
  ['卓', 'zhuo'], ['九', 'jiu'], ['同', 'tong'], ['光', 'guang'], ['正', 'zheng'], ['锦', 'jin'], ['凯', 'kai'],
];

/** Second syllable of a trade name. */
export const BRAND_TAILS: readonly Hanzi[] = [
  ['联', 'lian'], ['信', 'xin'], ['通', 'tong'], ['达', 'da'], ['桥', 'qiao'], ['方', 'fang'], ['源', 'yuan'],
  ['科', 'ke'], ['润', 'run'], ['远', 'yuan'], ['丰', 'feng'], ['航', 'hang'], ['创', 'chuang'], ['禾', 'he'],
  ['安', 'an'], ['泰', 'tai'], ['川', 'chuan'], ['世', 'shi'], ['江', 'jiang'], ['河', 'he'], ['德', 'de'],
  ['光', 'guang'], ['海', 'hai'], ['辰', 'chen'], ['力', 'li'], ['华', 'hua'], ['康', 'kang'], ['鼎', 'ding'],
  ['盛', 'sheng'], ['元', 'yuan'], ['运', 'yun'], ['升', 'sheng'], ['美', 'mei'], ['帆', 'fan'], ['松', 'song'],
  ['瑞', 'rui'], ['兴', 'xing'], ['业', 'ye'], ['宇', 'yu'], ['诚', 'cheng'],
];

/** What the company does, as it appears in the name, with an English word for its web domain. */
export interface ChineseTrade {
  readonly text: string;
  readonly domainWord: string;
  /** How the legacy `industry` column described such a company, in Chinese. */
  readonly industry: string;
}

export const CHINESE_TRADES: readonly ChineseTrade[] = [
  { text: '科技', domainWord: 'tech', industry: '信息技术' },
  { text: '贸易', domainWord: 'trade', industry: '批发零售' },
  { text: '电子', domainWord: 'elec', industry: '电子制造' },
  { text: '信息技术', domainWord: 'it', industry: '信息技术' },
  { text: '机械', domainWord: 'machinery', industry: '机械制造' },
  { text: '物流', domainWord: 'logistics', industry: '交通物流' },
  { text: '医药', domainWord: 'pharma', industry: '医疗健康' },
  { text: '食品', domainWord: 'food', industry: '食品饮料' },
  { text: '建材', domainWord: 'build', industry: '建筑建材' },
  { text: '咨询', domainWord: 'consulting', industry: '商务服务' },
  { text: '网络科技', domainWord: 'net', industry: '互联网' },
  { text: '软件', domainWord: 'soft', industry: '软件' },
  { text: '化工', domainWord: 'chem', industry: '化工' },
  { text: '服装', domainWord: 'fashion', industry: '纺织服装' },
  { text: '汽车配件', domainWord: 'auto', industry: '汽车' },
  { text: '新能源', domainWord: 'energy', industry: '能源' },
  { text: '环保科技', domainWord: 'eco', industry: '环保' },
  { text: '实业', domainWord: 'group', industry: '制造业' },
  { text: '国际贸易', domainWord: 'intl', industry: '进出口' },
  { text: '电气', domainWord: 'electric', industry: '电气设备' },
  { text: '精密制造', domainWord: 'precision', industry: '制造业' },
  { text: '生物科技', domainWord: 'bio', industry: '生物医药' },
  { text: '供应链管理', domainWord: 'scm', industry: '交通物流' },
  { text: '文化传媒', domainWord: 'media', industry: '文化传媒' },
  { text: '进出口', domainWord: 'impex', industry: '进出口' },
];

/** Legal-form suffixes with how often they occur. */
export const CHINESE_LEGAL_FORMS: readonly (readonly [string, number])[] = [
  ['有限公司', 70],
  ['股份有限公司', 12],
  ['有限责任公司', 12],
  ['集团有限公司', 6],
];

/** Free-text notes the sales team left on Chinese accounts. */
export const CHINESE_NOTES: readonly string[] = [
  '老客户，2019年转介绍',
  '对价格敏感，需要经理审批折扣',
  '年底集中采购，提前一个月跟进',
  '联系人已离职，新对接人待确认',
  '发票抬头与公司名称不一致，开票前请核对',
  '华东区重点客户',
  '付款周期60天，注意回款',
  '广交会上认识的，要求先寄样品',
  '客户要求所有报价走微信，不用邮件',
];

/**
 * Where customers are: countries as the legacy CRM spelled them, cities with their province and
 * telephone area code, and street names for addresses. Most customers are in mainland China.
 */

export const COUNTRY_CODES = ['CN', 'US', 'DE', 'GB', 'JP', 'SG'] as const;
export type CountryCode = (typeof COUNTRY_CODES)[number];

/** How each country was typed into the free-text `country` column, most common first. */
export const COUNTRY_SPELLINGS: Readonly<Record<CountryCode, readonly (readonly [string, number])[]>> = {
  CN: [['中国', 50], ['China', 25], ['PRC', 10], ['CN', 15]],
  US: [['USA', 45], ['United States', 35], ['US', 20]],
  DE: [['Germany', 45], ['Deutschland', 35], ['DE', 20]],
  GB: [['UK', 50], ['United Kingdom', 35], ['GB', 15]],
  JP: [['Japan', 50], ['日本', 35], ['JP', 15]],
  SG: [['Singapore', 75], ['SG', 25]],
};

/** International calling codes. */
export const CALLING_CODES: Readonly<Record<CountryCode, string>> = { CN: '86', US: '1', DE: '49', GB: '44', JP: '81', SG: '65' };

export interface City {
  readonly country: CountryCode;
  /** Spellings of the city seen in the data; the first is the canonical one. */
  readonly names: readonly string[];
  /** Spellings of the province or state; empty when there is none (Singapore). */
  readonly provinces: readonly string[];
  /** Area code without the trunk prefix (`21` for Shanghai, `415` for San Francisco). */
  readonly areaCode: string;
  /** Digits in a local landline number. */
  readonly localDigits: number;
  /** Digits a local landline number can start with, where the plan restricts them (London: 3, 7, 8). */
  readonly localFirst?: string;
  readonly streets: readonly string[];
  /** Relative number of customers. */
  readonly weight: number;
}

function cn(names: string[], provinces: string[], areaCode: string, weight: number, streets: string[], localDigits = 8): City {
  return { country: 'CN', names, provinces, areaCode, localDigits, streets, weight };
}

export const CITIES: readonly City[] = [
  cn(['上海', '上海市', 'Shanghai'], ['上海', '上海市', 'Shanghai'], '21', 16, ['浦东新区张江路', '徐汇区漕溪北路', '静安区南京西路', '闵行区虹梅路', '长宁区仙霞路']),
  cn(['北京', '北京市', 'Beijing'], ['北京', '北京市', 'Beijing'], '10', 12, ['海淀区中关村大街', '朝阳区建国路', '东城区东直门南大街', '丰台区科学城']),
  cn(['深圳', '深圳市', 'Shenzhen'], ['广东', '广东省', 'Guangdong'], '755', 10, ['南山区科技园', '福田区深南大道', '宝安区新安街道', '龙岗区坂田街道']),
  cn(['广州', '广州市', 'Guangzhou'], ['广东', '广东省', 'Guangdong'], '20', 8, ['天河区天河路', '越秀区环市东路', '番禺区市桥街道']),
  cn(['杭州', '杭州市', 'Hangzhou'], ['浙江', '浙江省', 'Zhejiang'], '571', 6, ['西湖区文三路', '滨江区网商路', '余杭区文一西路']),
  cn(['南京', '南京市', 'Nanjing'], ['江苏', '江苏省', 'Jiangsu'], '25', 5, ['鼓楼区中山北路', '建邺区江东中路', '江宁区秣陵街道']),
  cn(['苏州', '苏州市', 'Suzhou'], ['江苏', '江苏省', 'Jiangsu'], '512', 5, ['工业园区星湖街', '吴中区东吴北路', '高新区狮山路']),
  cn(['成都', '成都市', 'Chengdu'], ['四川', '四川省', 'Sichuan'], '28', 4, ['高新区天府大道', '武侯区人民南路', '锦江区春熙路']),
  cn(['武汉', '武汉市', 'Wuhan'], ['湖北', '湖北省', 'Hubei'], '27', 4, ['洪山区珞喻路', '江汉区建设大道', '东湖高新区光谷大道']),
  cn(['天津', '天津市', 'Tianjin'], ['天津', '天津市', 'Tianjin'], '22', 3, ['和平区南京路', '滨海新区第三大街']),
  cn(['重庆', '重庆市', 'Chongqing'], ['重庆', '重庆市', 'Chongqing'], '23', 3, ['渝中区解放碑', '江北区观音桥']),
  cn(['西安', '西安市', "Xi'an"], ['陕西', '陕西省', 'Shaanxi'], '29', 3, ['雁塔区科技路', '碑林区南大街']),
  cn(['青岛', '青岛市', 'Qingdao'], ['山东', '山东省', 'Shandong'], '532', 3, ['市南区香港中路', '黄岛区长江中路']),
  cn(['厦门', '厦门市', 'Xiamen'], ['福建', '福建省', 'Fujian'], '592', 2, ['思明区湖滨南路', '湖里区软件园二期'], 7),
  cn(['大连', '大连市', 'Dalian'], ['辽宁', '辽宁省', 'Liaoning'], '411', 2, ['中山区人民路', '甘井子区软件园路']),
  cn(['宁波', '宁波市', 'Ningbo'], ['浙江', '浙江省', 'Zhejiang'], '574', 2, ['鄞州区天童南路', '北仑区明州路']),
  cn(['东莞', '东莞市', 'Dongguan'], ['广东', '广东省', 'Guangdong'], '769', 3, ['长安镇振安路', '松山湖科技产业园']),
  cn(['合肥', '合肥市', 'Hefei'], ['安徽', '安徽省', 'Anhui'], '551', 2, ['蜀山区长江西路', '包河区徽州大道']),
  cn(['长沙', '长沙市', 'Changsha'], ['湖南', '湖南省', 'Hunan'], '731', 2, ['岳麓区麓谷大道', '芙蓉区五一大道']),
  cn(['沈阳', '沈阳市', 'Shenyang'], ['辽宁', '辽宁省', 'Liaoning'], '24', 2, ['和平区南京北街', '浑南区创新路']),
  { country: 'US', names: ['New York', 'NYC'], provinces: ['NY', 'New York'], areaCode: '212', localDigits: 7, streets: ['Broadway', '5th Avenue', 'Madison Ave'], weight: 3 },
  { country: 'US', names: ['San Francisco'], provinces: ['CA', 'California'], areaCode: '415', localDigits: 7, streets: ['Market St', 'Mission St', 'Howard St'], weight: 3 },
  { country: 'US', names: ['Chicago'], provinces: ['IL', 'Illinois'], areaCode: '312', localDigits: 7, streets: ['Michigan Ave', 'Wacker Dr'], weight: 2 },
  { country: 'US', names: ['Seattle'], provinces: ['WA', 'Washington'], areaCode: '206', localDigits: 7, streets: ['Pine St', '3rd Ave'], weight: 2 },
  { country: 'DE', names: ['Berlin'], provinces: ['Berlin'], areaCode: '30', localDigits: 8, streets: ['Friedrichstraße', 'Kurfürstendamm'], weight: 2 },
  { country: 'DE', names: ['München', 'Munich'], provinces: ['Bayern', 'Bavaria'], areaCode: '89', localDigits: 7, streets: ['Leopoldstraße', 'Maximilianstraße'], weight: 2 },
  { country: 'DE', names: ['Frankfurt am Main', 'Frankfurt'], provinces: ['Hessen', 'Hesse'], areaCode: '69', localDigits: 8, streets: ['Mainzer Landstraße', 'Zeil'], weight: 1 },
  { country: 'DE', names: ['Hamburg'], provinces: ['Hamburg'], areaCode: '40', localDigits: 8, streets: ['Jungfernstieg', 'Mönckebergstraße'], weight: 1 },
  { country: 'GB', names: ['London'], provinces: ['England', 'Greater London'], areaCode: '20', localDigits: 8, localFirst: '378', streets: ['Oxford Street', 'King\'s Road', 'Old Street'], weight: 3 },
  { country: 'GB', names: ['Manchester'], provinces: ['England'], areaCode: '161', localDigits: 7, streets: ['Deansgate', 'Oxford Road'], weight: 1 },
  { country: 'JP', names: ['東京', 'Tokyo'], provinces: ['東京都', 'Tokyo'], areaCode: '3', localDigits: 8, streets: ['千代田区丸の内', '港区六本木', 'Minato-ku Shiba'], weight: 3 },
  { country: 'JP', names: ['大阪', 'Osaka'], provinces: ['大阪府', 'Osaka'], areaCode: '6', localDigits: 8, streets: ['北区梅田', 'Chuo-ku Namba'], weight: 2 },
  { country: 'SG', names: ['Singapore'], provinces: [], areaCode: '', localDigits: 8, streets: ['Raffles Place', 'Orchard Road', 'Changi Business Park'], weight: 3 },
];

/** The canonical name of a city, for comparisons (`上海市` and `Shanghai` are 上海). */
export function canonicalCity(text: string | null): string | null {
  if (text === null) return null;
  const wanted = text.trim().toLowerCase();
  const city = CITIES.find((candidate) => candidate.names.some((name) => name.toLowerCase() === wanted));
  return city ? city.names[0]! : wanted;
}

/** Free e-mail providers by country; company domains are made from the company name. */
export const FREE_MAIL_DOMAINS: Readonly<Record<CountryCode, readonly string[]>> = {
  CN: ['qq.com', '163.com', '126.com', 'sina.com', 'sohu.com', '139.com', 'aliyun.com', 'foxmail.com'],
  US: ['gmail.com', 'outlook.com', 'yahoo.com'],
  DE: ['web.de', 'gmx.de', 'gmail.com', 't-online.de'],
  GB: ['gmail.com', 'btinternet.com', 'outlook.com'],
  JP: ['yahoo.co.jp', 'gmail.com', 'docomo.ne.jp'],
  SG: ['gmail.com', 'singnet.com.sg', 'outlook.com'],
};

/** Top-level domains of company web sites by country. */
export const COMPANY_TLDS: Readonly<Record<CountryCode, readonly string[]>> = {
  CN: ['com.cn', 'cn', 'com'],
  US: ['com'],
  DE: ['de', 'com'],
  GB: ['co.uk', 'com'],
  JP: ['co.jp', 'jp'],
  SG: ['com.sg', 'sg'],
};

/** The country a free-text `country` value names; `null` for an empty or unknown one. */
export function countryOf(text: string | null): CountryCode | null {
  if (text === null) return null;
  const wanted = text.trim().toLowerCase();
  for (const code of COUNTRY_CODES) {
    if (COUNTRY_SPELLINGS[code].some(([spelling]) => spelling.toLowerCase() === wanted)) return code;
  }
  return null;
}

/**
 * Latin-script vocabularies: contact names (English from the Maven CRM sales teams and FEBRL
 * records, German with umlauts, romanised Japanese) and company names in the style of the Maven
 * CRM accounts (`Betatech`, `Zotware`, `Codehow`).
 */
import type { CountryCode } from './places.js';

export interface LatinPeople {
  readonly first: readonly string[];
  readonly last: readonly string[];
}

const ENGLISH: LatinPeople = {
  first: [
    'Anna', 'Cecily', 'Versie', 'Lajuana', 'Moses', 'Jonathan', 'Marty', 'Gladys', 'Niesha', 'Darcel', 'Violet',
    'Corliss', 'Rosie', 'Garret', 'Wilburn', 'Elizabeth', 'Daniell', 'Cassey', 'Donn', 'Reed', 'Boris', 'Natalya',
    'Vicki', 'Rosalina', 'Hayden', 'Markita', 'Elease', 'Carol', 'James', 'Kary', 'Kami', 'Zane', 'Maureen', 'Carl',
    'Lachlan', 'Deakin', 'Kayla', 'Joshua', 'Emily', 'Michael', 'Sarah', 'David', 'Laura', 'Kevin', 'Megan',
  ],
  last: [
    'Snelling', 'Lampkin', 'Hillebrand', 'Vencill', 'Frase', 'Berthelot', 'Freudenburg', 'Colclough', 'Huffines',
    'Schlecht', 'Mclelland', 'Cosme', 'Papadopoulos', 'Kinder', 'Farren', 'Anderson', 'Hammack', 'Cress',
    'Cantrell', 'Clapper', 'Faz', 'Ivanova', 'Laflamme', 'Dieter', 'Neloms', 'Hansen', 'Gluck', 'Thompson',
    'Ascencio', 'Hendrixson', 'Bicknell', 'Levy', 'Marcano', 'Waller', 'Berry', 'Sondergeld', 'Harrington',
    "O'Brien", 'Smith', 'Johnson', 'Walker', 'Young', 'Carter', 'Mitchell',
  ],
};

const GERMAN: LatinPeople = {
  first: ['Jürgen', 'Stefan', 'Andreas', 'Katrin', 'Sabine', 'Björn', 'Uwe', 'Jörg', 'Anja', 'Matthias', 'Claudia', 'Lukas'],
  last: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schäfer', 'Koch', 'Groß', 'Hoffmann'],
};

const JAPANESE: LatinPeople = {
  first: ['Hiroshi', 'Yuki', 'Kenji', 'Akiko', 'Takeshi', 'Naoko', 'Satoshi', 'Yumi', 'Daisuke', 'Keiko'],
  last: ['Sato', 'Suzuki', 'Takahashi', 'Tanaka', 'Watanabe', 'Ito', 'Yamamoto', 'Nakamura', 'Kobayashi', 'Kato'],
};

/** Whose names a company's contact tends to have, by country. */
export function latinPeopleFor(country: CountryCode): LatinPeople {
  return country === 'DE' ? GERMAN : country === 'JP' ? JAPANESE : ENGLISH;
}

/** Maven CRM account names, used once each as they are. */
export const FAMOUS_ACCOUNTS: readonly string[] = [
  'Acme Corporation', 'Bluth Company', 'Globex Corporation', 'Initech', 'Umbrella Corporation', 'Massive Dynamic',
  'Gekko & Co', 'Vehement Capital Partners', 'Genco Pura Olive Oil Company', 'The New York Inquirer', 'Bubba Gump',
];

/** Syllables that build Maven-style brands: Beta+tech, Zot+ware, Code+how. */
export const BRAND_PREFIXES: readonly string[] = [
  'Beta', 'Bio', 'Black', 'Can', 'Code', 'Con', 'Dalt', 'Dam', 'Dom', 'Don', 'Fase', 'Fax', 'Fin', 'Fun', 'Gan',
  'Glob', 'Gogo', 'Gold', 'Good', 'Green', 'Groove', 'Hat', 'Hot', 'Inity', 'Isel', 'Kan', 'Kin', 'Kon', 'Lab',
  'Lexi', 'Math', 'Nam', 'New', 'Onto', 'Open', 'Plex', 'Plus', 'Ran', 'Ron', 'Run', 'Scot', 'Sil', 'Single',
  'Son', 'Stan', 'Stat', 'Street', 'Sum', 'Sun', 'Tough', 'Tree', 'Ware', 'Year', 'Zat', 'Zen', 'Zoom', 'Zot', 'Zum',
];

export const BRAND_SUFFIXES: readonly string[] = [
  'tech', 'plex', 'zim', 'soloin', 'holding', 'city', 'how', 'dax', 'com', 'base', 'zoom', 'con', 'quad', 'ware',
  'quote', 'high', 'job', 'flex', 'dex', 'silron', 'star', 'fan', 'techi', 'dom', 'tronics', 'texon', 'code',
  'namplus', 'matfix', 'drill', 'touch', 'zap', 'strip', 'sunin', 'green', 'find', 'hex', 'ace', 'zobam', 'phase',
  'goity', 'lane', 'wave', 'crest',
];

/** What the company does, as it appears in the name, and its sector in the legacy `industry` column. */
export const LATIN_TRADES: readonly (readonly [trade: string, industry: string])[] = [
  ['Trading', 'Retail'], ['Technology', 'Technology'], ['Electronics', 'Electronics'], ['Logistics', 'Logistics'],
  ['Systems', 'Software'], ['Medical', 'medical'], ['Industries', 'Manufacturing'], ['Software', 'software'],
  ['Solutions', 'services'], ['Holdings', 'finance'], ['Manufacturing', 'Manufacturing'], ['Consulting', 'services'],
  ['Foods', 'Food & Beverage'], ['Energy', 'Energy'], ['Materials', 'Chemicals'], ['Telecom', 'telecommunications'],
];

/**
 * Legal forms by country with weights. The Chinese subsidiary of a foreign group writes its
 * English name as `Acme Trading (Shanghai) Co., Ltd.`.
 */
export const LATIN_LEGAL_FORMS: Readonly<Record<CountryCode, readonly (readonly [string, number])[]>> = {
  CN: [['Co., Ltd.', 85], ['Ltd.', 10], ['Limited', 5]],
  US: [['Inc.', 60], ['LLC', 25], ['Corp.', 15]],
  DE: [['GmbH', 80], ['AG', 20]],
  GB: [['Ltd', 60], ['Limited', 30], ['PLC', 10]],
  JP: [['Co., Ltd.', 70], ['K.K.', 30]],
  SG: [['Pte. Ltd.', 100]],
};

/** Common company names that recur in several cities: the look-alikes that are not duplicates. */
export const COMMON_LATIN_NAMES: readonly string[] = [
  'Global Trading', 'Pacific Logistics', 'Eastern Electronics', 'Golden Bridge Trading', 'Sunrise Technology',
  'Star Industries', 'United Solutions', 'Prime Medical', 'Summit Consulting', 'Orient Foods', 'Silverline Systems',
  'Harbour Energy', 'Metro Materials', 'Asia Pacific Holdings', 'Northwind Traders', 'Evergreen Software',
];

/** Sectors as typed into `industry` for accounts without a clear trade, including Maven's typo. */
export const LOOSE_INDUSTRIES: readonly string[] = [
  'technolgy', 'Technology', 'retail', 'Retail', 'medical', 'finance', 'Finance', 'marketing', 'entertainment',
  'software', 'telecommunications', 'employment', 'services', '制造业', '零售', '金融', '教育',
];

/** Free-text notes the sales team left on accounts written in English. */
export const LATIN_NOTES: readonly string[] = [
  'Met at Canton Fair 2018; prefers "WeChat" over email',
  'Key account, East region',
  'Payment terms: 60 days, watch receivables',
  'Contact left the company, new contact TBD',
  'Asked for a quote on GTX Plus Pro, 20 units',
  'Subsidiary of a group account, see parent',
  'Invoices go to the Hong Kong office',
  'Do not call before 10am, "very busy" in the mornings',
];

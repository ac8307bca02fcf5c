// Name frequency lists (see README.md beside this file for their sources and licences) and the
// nicknames a registration clerk writes instead of a given name.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { weightedList, type WeightedList } from './random.ts';

const DATA_DIR = path.join(import.meta.dirname, 'data');

export type Sex = 'female' | 'male';

export type NameFrequencies = {
  surnames: WeightedList<string>;
  given: Record<Sex, WeightedList<string>>;
};

/** `SMITH` → `Smith`, `MCDONALD` → `Mcdonald` (how most registration systems store them). */
export function titleCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1).toLowerCase();
}

function readRows(file: string): string[][] {
  const [, ...rows] = readFileSync(path.join(DATA_DIR, file), 'utf8').trim().split('\n');
  return rows.map((row) => row.split(','));
}

/**
 * Given names per sex, without the names a sex shares only marginally: SSA counts include a few
 * hundred girls registered as "Michael"; keeping them would make sex a worse matching field than it
 * is in practice. A name stays for a sex unless the other sex has it ten times as often.
 */
function givenNames(): Record<Sex, WeightedList<string>> {
  const counts: Record<Sex, Map<string, number>> = { female: new Map(), male: new Map() };
  for (const [name, sex, count] of readRows('given-names.csv')) {
    if (name && count) {
      counts[sex === 'F' ? 'female' : 'male'].set(name, Number(count));
    }
  }
  const listFor = (sex: Sex, other: Sex) =>
    weightedList(
      [...counts[sex]]
        .filter(([name, count]) => (counts[other].get(name) ?? 0) < count * 10)
        .map(([name, count]) => ({ item: name, weight: count })),
    );
  return { female: listFor('female', 'male'), male: listFor('male', 'female') };
}

let cached: NameFrequencies | undefined;

/** The vendored lists, read once per process. */
export function loadNameFrequencies(): NameFrequencies {
  cached ??= {
    surnames: weightedList(
      readRows('surnames.csv').map(([name, count]) => ({ item: titleCase(name ?? ''), weight: Number(count) })),
    ),
    given: givenNames(),
  };
  return cached;
}

/** Common English nicknames and short forms, by formal given name. */
export const NICKNAMES: Readonly<Record<string, readonly string[]>> = {
  Alexander: ['Alex', 'Sandy'],
  Alexandra: ['Alex', 'Sandra'],
  Andrew: ['Andy', 'Drew'],
  Anthony: ['Tony'],
  Barbara: ['Barb', 'Barbie'],
  Benjamin: ['Ben', 'Benny'],
  Catherine: ['Cathy', 'Kate', 'Katie'],
  Charles: ['Charlie', 'Chuck'],
  Christine: ['Chris', 'Tina'],
  Christopher: ['Chris'],
  Cynthia: ['Cindy'],
  Daniel: ['Dan', 'Danny'],
  David: ['Dave'],
  Deborah: ['Debbie', 'Deb'],
  Donald: ['Don', 'Donnie'],
  Dorothy: ['Dot', 'Dottie'],
  Douglas: ['Doug'],
  Edward: ['Ed', 'Eddie', 'Ted'],
  Elizabeth: ['Liz', 'Beth', 'Betty', 'Lisa'],
  Frederick: ['Fred', 'Freddie'],
  Gerald: ['Jerry'],
  Gregory: ['Greg'],
  James: ['Jim', 'Jimmy', 'Jamie'],
  Jeffrey: ['Jeff'],
  Jennifer: ['Jenny', 'Jen'],
  Jessica: ['Jess', 'Jessie'],
  John: ['Johnny', 'Jack'],
  Jonathan: ['Jon'],
  Joseph: ['Joe', 'Joey'],
  Joshua: ['Josh'],
  Judith: ['Judy'],
  Katherine: ['Kathy', 'Kate', 'Katie'],
  Kathleen: ['Kathy', 'Kathie'],
  Kenneth: ['Ken', 'Kenny'],
  Kimberly: ['Kim'],
  Lawrence: ['Larry'],
  Margaret: ['Maggie', 'Peggy', 'Meg'],
  Matthew: ['Matt'],
  Michael: ['Mike', 'Mikey'],
  Nicholas: ['Nick'],
  Pamela: ['Pam'],
  Patricia: ['Pat', 'Patty', 'Trish'],
  Patrick: ['Pat'],
  Peter: ['Pete'],
  Philip: ['Phil'],
  Phillip: ['Phil'],
  Raymond: ['Ray'],
  Rebecca: ['Becky'],
  Richard: ['Rick', 'Dick', 'Rich'],
  Robert: ['Bob', 'Rob', 'Bobby'],
  Ronald: ['Ron', 'Ronnie'],
  Samuel: ['Sam'],
  Stephen: ['Steve'],
  Steven: ['Steve'],
  Susan: ['Sue', 'Suzy'],
  Theodore: ['Ted', 'Teddy'],
  Thomas: ['Tom', 'Tommy'],
  Timothy: ['Tim', 'Timmy'],
  Victoria: ['Vicky', 'Tori'],
  Walter: ['Walt'],
  William: ['Bill', 'Will', 'Billy'],
};

// Nickname equivalence from the vendored table: two given names are equivalent when one heads a line that
// lists the other. Names on the same line are not made equivalent to each other, since lines such as
// "bill,william,billy,robert,willie,fred" would otherwise join unrelated names.
import { NICKNAME_CSV } from './nickname-data.ts';

function buildNicknameIndex(csv: string): Map<string, Set<string>> {
  const index = new Map<string, Set<string>>();
  const relate = (a: string, b: string) => {
    let related = index.get(a);
    if (!related) {
      related = new Set();
      index.set(a, related);
    }
    related.add(b);
  };
  for (const line of csv.split('\n')) {
    const [head, ...others] = line.split(',').map((name) => name.trim().replace(/\./g, ''));
    if (!head) {
      continue;
    }
    for (const other of others) {
      if (other !== '' && other !== head) {
        relate(head, other);
        relate(other, head);
      }
    }
  }
  return index;
}

const NICKNAMES = buildNicknameIndex(NICKNAME_CSV);

/** True when one folded given name is a listed nickname of the other (Bob / Robert). */
export function isNickname(a: string, b: string): boolean {
  return NICKNAMES.get(a)?.has(b) ?? false;
}

// Blocking rules used for training. Each EM run sees only the pairs sharing one rule's key and estimates m
// for the fields that rule does not use; together the rules cover every field.
import type { FieldName, MatchRecord } from './types.ts';

export type TrainingRule = {
  name: string;
  excluded: readonly FieldName[];
  key: (record: MatchRecord) => string | undefined;
};

export const TRAINING_RULES: readonly TrainingRule[] = [
  { name: 'birthDate', excluded: ['birthDate'], key: (record) => record.birthDate },
  {
    name: 'names',
    excluded: ['givenName', 'familyName'],
    key: (record) => {
      const given = record.givenPhonetic[0] || record.givenNames[0];
      const family = record.familyPhonetic[0] || record.familyNames[0];
      return given && family ? `${given}|${family}` : undefined;
    },
  },
  {
    name: 'postcode',
    excluded: ['locality'],
    key: (record) => record.addresses.find((address) => address.postcode)?.postcode,
  },
  { name: 'email', excluded: ['email'], key: (record) => record.emails[0] },
  { name: 'phone', excluded: ['phone'], key: (record) => record.phones[0] },
];

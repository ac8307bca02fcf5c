// JSON schemas of `/api/admin/access-policies`: Fastify validates bodies and serialises answers with them.
import { ROLES } from '../identity/index.ts';
import { PATIENT_REACHES } from './policy.ts';

const policy = {
  type: 'object',
  properties: {
    role: { type: 'string', enum: ROLES },
    resource: { type: 'string', pattern: '^(\\*|[A-Z][A-Za-z]{0,63}|[a-z][a-z-]{0,63})$' },
    interactions: { type: 'string', pattern: '^(?=.)c?r?u?d?s?$' },
    patients: { type: 'string', enum: PATIENT_REACHES },
    criteria: { type: 'string', minLength: 1, maxLength: 500 },
    breakGlass: { type: 'boolean', default: false },
  },
  required: ['role', 'resource', 'interactions', 'patients'],
  additionalProperties: false,
} as const;

export const policiesBody = {
  type: 'object',
  properties: { policies: { type: 'array', items: policy, maxItems: 2000 } },
  required: ['policies'],
  additionalProperties: false,
} as const;

export const policiesResponse = {
  200: {
    type: 'object',
    properties: { policies: { type: 'array', items: policy } },
    required: ['policies'],
  },
} as const;

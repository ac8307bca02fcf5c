// JSON schemas of `/api/admin/identity-providers`: Fastify validates input with them and serialises
// answers through them (unknown properties are dropped, so the sealed secret can never leak out).
import { PROVISIONING_ROLES } from './provider-records.ts';

const scope = { type: 'string', pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,100}$' } as const;

const settings = {
  displayName: { type: 'string', minLength: 1, maxLength: 100 },
  issuer: { type: 'string', minLength: 8, maxLength: 500 },
  clientId: { type: 'string', minLength: 1, maxLength: 200 },
  clientSecret: { type: 'string', minLength: 1, maxLength: 500 },
  scopes: { type: 'array', items: scope, maxItems: 20, uniqueItems: true, default: [] },
  allowedEmailDomains: {
    type: 'array',
    items: { type: 'string', minLength: 1, maxLength: 253 },
    maxItems: 50,
    default: [],
  },
  justInTimeProvisioning: { type: 'boolean', default: false },
  defaultRole: { anyOf: [{ type: 'string', enum: PROVISIONING_ROLES }, { type: 'null' }], default: null },
  acceptUpstreamMfa: { type: 'boolean', default: false },
  enabled: { type: 'boolean', default: true },
} as const;

export const createProviderBody = {
  type: 'object',
  additionalProperties: false,
  required: ['displayName', 'issuer', 'clientId', 'clientSecret'],
  properties: settings,
} as const;

/** An update names every setting; without `clientSecret` the stored secret is kept. */
export const updateProviderBody = {
  type: 'object',
  additionalProperties: false,
  required: ['displayName', 'issuer', 'clientId'],
  properties: settings,
} as const;

export const providerParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export const providerResponse = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    displayName: { type: 'string' },
    issuer: { type: 'string' },
    clientId: { type: 'string' },
    hasClientSecret: { type: 'boolean' },
    scopes: { type: 'array', items: { type: 'string' } },
    allowedEmailDomains: { type: 'array', items: { type: 'string' } },
    justInTimeProvisioning: { type: 'boolean' },
    defaultRole: { type: ['string', 'null'] },
    acceptUpstreamMfa: { type: 'boolean' },
    enabled: { type: 'boolean' },
    redirectUri: { type: 'string' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

export const providerListResponse = {
  type: 'object',
  properties: { providers: { type: 'array', items: providerResponse } },
} as const;

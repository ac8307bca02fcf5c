// JSON schemas of the audit API (`/api/audit`): Fastify validates input and serialises answers with them.

const HASH = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const SIZE = { type: 'integer', minimum: 0 } as const;

export const treeHeadSchema = {
  type: 'object',
  properties: {
    treeSize: SIZE,
    rootHash: HASH,
    timestamp: { type: 'string' },
    timestampMs: SIZE,
    keyId: HASH,
    signature: { type: 'string' },
  },
  required: ['treeSize', 'rootHash', 'timestamp', 'timestampMs', 'keyId', 'signature'],
} as const;

export const treeHeadsQuery = {
  type: 'object',
  properties: { after: SIZE, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
  additionalProperties: false,
} as const;

export const treeHeadsResponse = {
  type: 'object',
  properties: { treeHeads: { type: 'array', items: treeHeadSchema } },
  required: ['treeHeads'],
} as const;

export const inclusionQuery = {
  type: 'object',
  properties: {
    leafIndex: SIZE,
    entryId: { type: 'string', pattern: '^[0-9a-f-]{36}$' },
    treeSize: SIZE,
  },
  additionalProperties: false,
} as const;

export const inclusionResponse = {
  type: 'object',
  properties: {
    leafIndex: SIZE,
    entryId: { type: 'string' },
    entry: { type: 'string' },
    leafHash: HASH,
    treeHead: treeHeadSchema,
    proof: { type: 'array', items: HASH },
  },
  required: ['leafIndex', 'entryId', 'entry', 'leafHash', 'treeHead', 'proof'],
} as const;

export const consistencyQuery = {
  type: 'object',
  properties: { first: SIZE, second: SIZE },
  required: ['first'],
  additionalProperties: false,
} as const;

export const consistencyResponse = {
  type: 'object',
  properties: { first: treeHeadSchema, second: treeHeadSchema, proof: { type: 'array', items: HASH } },
  required: ['first', 'second', 'proof'],
} as const;

export const publicKeysResponse = {
  type: 'object',
  properties: {
    currentKeyId: HASH,
    keys: {
      type: 'array',
      items: {
        type: 'object',
        properties: { keyId: HASH, publicKey: { type: 'string' } },
        required: ['keyId', 'publicKey'],
      },
    },
  },
  required: ['currentKeyId', 'keys'],
} as const;

const DATE_OR_INSTANT = {
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2}))?$',
} as const;

export const recordAccessQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
    includeOwn: { type: 'boolean', default: false },
    since: DATE_OR_INSTANT,
    until: DATE_OR_INSTANT,
  },
  additionalProperties: false,
} as const;

const recordAccessSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    recorded: { type: 'string' },
    action: { type: 'string' },
    outcome: { type: 'string' },
    who: {
      type: 'object',
      properties: {
        kind: { type: 'string' },
        displayName: { type: 'string' },
        roles: { type: 'array', items: { type: 'string' } },
        isYou: { type: 'boolean' },
      },
      required: ['kind', 'displayName', 'roles', 'isYou'],
    },
    what: {
      type: 'object',
      properties: {
        resources: {
          type: 'array',
          items: {
            type: 'object',
            properties: { resourceType: { type: 'string' }, id: { type: 'string' } },
            required: ['resourceType'],
          },
        },
        resourceCount: SIZE,
        detail: { type: 'string' },
      },
      required: ['resources', 'resourceCount'],
    },
    purpose: {
      type: 'object',
      properties: { code: { type: 'string' }, isBreakGlass: { type: 'boolean' }, reason: { type: 'string' } },
      required: ['code', 'isBreakGlass'],
    },
  },
  required: ['id', 'recorded', 'action', 'outcome', 'who', 'what'],
} as const;

export const recordAccessResponse = {
  type: 'object',
  properties: {
    patient: { type: 'string' },
    entries: { type: 'array', items: recordAccessSchema },
    nextOffset: SIZE,
  },
  required: ['patient', 'entries'],
} as const;

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

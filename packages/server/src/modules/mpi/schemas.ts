// JSON schemas of the master patient index API: Fastify validates the input with them and serialises
// the answers through them (unknown properties are dropped, so every field sent is listed here).
// The shapes are the ones in @caregraph/core/domain (mpi.ts).

const FHIR_ID = '^[A-Za-z0-9\\-.]{1,64}$';

/** The largest and default page of the review queue. */
export const MAX_REVIEW_PAGE = 100;
export const DEFAULT_REVIEW_PAGE = 20;

export const idParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: FHIR_ID } },
  required: ['id'],
} as const;

export const versionParams = {
  type: 'object',
  properties: { version: { type: 'integer', minimum: 1 } },
  required: ['version'],
} as const;

export const reviewsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['open', 'closed'], default: 'open' },
    _count: { type: 'integer', minimum: 1, maximum: MAX_REVIEW_PAGE, default: DEFAULT_REVIEW_PAGE },
    cursor: { type: 'string', maxLength: 500 },
  },
} as const;

export const decisionBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    decision: { type: 'string', enum: ['link', 'not-a-match', 'merge'] },
    survivor: { type: 'string', enum: ['a', 'b'] },
  },
  required: ['decision'],
} as const;

export const trainBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { seed: { type: 'integer', minimum: 0 } },
} as const;

export const settingsBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sourceTrust: { type: 'array', maxItems: 200, items: { type: 'string', minLength: 1, maxLength: 500 } },
  },
  required: ['sourceTrust'],
} as const;

const patientCard = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    birthDate: { type: 'string' },
    sex: { type: 'string' },
    identifiers: { type: 'array', items: { type: 'string' } },
    address: { type: 'string' },
    phone: { type: 'string' },
    email: { type: 'string' },
    source: { type: 'string' },
  },
  required: ['id', 'name', 'identifiers', 'source'],
} as const;

const summaryProperties = {
  id: { type: 'string' },
  status: { type: 'string' },
  createdAt: { type: 'string' },
  probability: { type: 'number' },
  grade: { type: 'string' },
  a: patientCard,
  b: patientCard,
  decision: { type: 'string' },
  decidedBy: { type: 'string' },
  decidedAt: { type: 'string' },
} as const;

const summaryRequired = ['id', 'status', 'createdAt', 'probability', 'grade', 'a', 'b'] as const;

export const reviewSummary = { type: 'object', properties: summaryProperties, required: summaryRequired } as const;

export const reviewPage = {
  type: 'object',
  properties: { items: { type: 'array', items: reviewSummary }, next: { type: 'string' } },
  required: ['items'],
} as const;

const fieldComparison = {
  type: 'object',
  properties: {
    field: { type: 'string' },
    level: { type: 'string' },
    agreement: { type: 'string' },
    weight: { type: 'number' },
    a: { type: 'string' },
    b: { type: 'string' },
  },
  required: ['field', 'level', 'agreement', 'weight'],
} as const;

export const reviewDetail = {
  type: 'object',
  properties: { ...summaryProperties, fields: { type: 'array', items: fieldComparison }, weight: { type: 'number' } },
  required: [...summaryRequired, 'fields', 'weight'],
} as const;

export const goldenRecord = {
  type: 'object',
  properties: {
    // The FHIR Person as stored: any FHIR content passes through.
    person: { type: 'object', additionalProperties: true },
    members: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ...patientCard.properties,
          assurance: { type: 'string' },
          probability: { type: 'number' },
          origin: { type: 'string' },
          replacedBy: { type: 'string' },
        },
        required: [...patientCard.required, 'assurance', 'probability', 'origin'],
      },
    },
  },
  required: ['person', 'members'],
} as const;

export const modelVersion = {
  type: 'object',
  properties: {
    version: { type: 'integer' },
    trainedAt: { type: 'string' },
    active: { type: 'boolean' },
    thresholds: {
      type: 'object',
      properties: { upper: { type: 'number' }, lower: { type: 'number' } },
      required: ['upper', 'lower'],
    },
    records: { type: 'integer' },
  },
  required: ['version', 'trainedAt', 'active', 'thresholds'],
} as const;

export const modelList = {
  type: 'object',
  properties: { models: { type: 'array', items: modelVersion } },
  required: ['models'],
} as const;

export const settings = {
  type: 'object',
  properties: { sourceTrust: { type: 'array', items: { type: 'string' } } },
  required: ['sourceTrust'],
} as const;

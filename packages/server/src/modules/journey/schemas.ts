// JSON schemas of the journey API: Fastify validates the input with them and serialises the
// answers through them (unknown properties are dropped, so every field sent is listed here).

const FHIR_ID = '^[A-Za-z0-9\\-.]{1,64}$';

/** The largest and default page of journey nodes. */
export const MAX_PAGE = 5000;
export const DEFAULT_PAGE = 1000;
/** The deepest path search, and the most paths one answer lists. */
export const MAX_PATH_DEPTH = 8;
export const MAX_PATHS = 1000;
/** The widest neighbourhood, and the most nodes it returns. */
export const MAX_HOPS = 4;
export const MAX_NEIGHBOURHOOD_NODES = 2000;

export const patientParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: FHIR_ID } },
  required: ['id'],
} as const;

const filterProperties = {
  start: { type: 'string', maxLength: 40 },
  end: { type: 'string', maxLength: 40 },
  type: { type: 'string', maxLength: 2000 },
  code: { type: 'string', maxLength: 4000 },
  encounter: { type: 'string', maxLength: 100 },
  provider: { type: 'string', maxLength: 100 },
  _count: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE },
  _cursor: { type: 'string', maxLength: 2000 },
} as const;

export const journeyQuery = { type: 'object', properties: filterProperties } as const;

export const timelineQuery = {
  type: 'object',
  properties: { ...filterProperties, groupBy: { type: 'string', enum: ['day', 'encounter'], default: 'day' } },
} as const;

const relations = { type: 'string', maxLength: 500 } as const;

export const pathsQuery = {
  type: 'object',
  properties: {
    from: { type: 'string', maxLength: 200 },
    to: { type: 'string', maxLength: 200 },
    mode: { type: 'string', enum: ['shortest', 'all'], default: 'shortest' },
    maxDepth: { type: 'integer', minimum: 1, maximum: MAX_PATH_DEPTH, default: 4 },
    maxPaths: { type: 'integer', minimum: 1, maximum: MAX_PATHS, default: 100 },
    relations,
  },
  required: ['from', 'to'],
} as const;

export const neighbourhoodQuery = {
  type: 'object',
  properties: {
    ref: { type: 'string', maxLength: 200 },
    hops: { type: 'integer', minimum: 1, maximum: MAX_HOPS, default: 1 },
    relations,
  },
  required: ['ref'],
} as const;

export const cohortQuery = {
  type: 'object',
  properties: {
    from: { type: 'string', maxLength: 2000 },
    to: { type: 'string', maxLength: 2000 },
    group: { type: 'string', maxLength: 100 },
    patients: { type: 'string', maxLength: 2000 },
    types: { type: 'string', maxLength: 500 },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  },
  required: ['from', 'to'],
} as const;

const nullableString = { type: ['string', 'null'] } as const;
const stringList = { type: 'array', items: { type: 'string' } } as const;

const nodeProperties = {
  ref: { type: 'string' },
  resourceType: { type: 'string' },
  time: nullableString,
  end: { type: 'string' },
  label: { type: 'string' },
  codes: stringList,
  encounter: { type: 'string' },
  providers: stringList,
} as const;

const node = {
  type: 'object',
  properties: nodeProperties,
  required: ['ref', 'resourceType', 'time', 'label', 'codes'],
} as const;

const edge = {
  type: 'object',
  properties: { from: { type: 'string' }, to: { type: 'string' }, relation: { type: 'string' } },
  required: ['from', 'to', 'relation'],
} as const;

export const journeyResponse = {
  type: 'object',
  properties: {
    nodes: { type: 'array', items: node },
    edges: { type: 'array', items: edge },
    next: { type: 'string' },
  },
  required: ['nodes', 'edges'],
} as const;

export const timelineResponse = {
  type: 'object',
  properties: {
    groupBy: { type: 'string' },
    groups: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          key: nullableString,
          day: nullableString,
          encounter: {
            type: ['object', 'null'],
            properties: {
              ref: { type: 'string' },
              label: { type: 'string' },
              time: nullableString,
              end: { type: 'string' },
            },
          },
          events: { type: 'array', items: node },
        },
        required: ['key', 'events'],
      },
    },
    next: { type: 'string' },
  },
  required: ['groupBy', 'groups'],
} as const;

export const pathsResponse = {
  type: 'object',
  properties: {
    from: node,
    to: node,
    paths: {
      type: 'array',
      items: {
        type: 'object',
        properties: { length: { type: 'integer' }, nodes: stringList, edges: { type: 'array', items: edge } },
        required: ['length', 'nodes', 'edges'],
      },
    },
    nodes: { type: 'array', items: node },
    truncated: { type: 'boolean' },
  },
  required: ['from', 'to', 'paths', 'nodes', 'truncated'],
} as const;

export const neighbourhoodResponse = {
  type: 'object',
  properties: {
    nodes: {
      type: 'array',
      items: {
        ...node,
        properties: { ...nodeProperties, hops: { type: 'integer' } },
        required: [...node.required, 'hops'],
      },
    },
    edges: { type: 'array', items: edge },
    truncated: { type: 'boolean' },
  },
  required: ['nodes', 'edges', 'truncated'],
} as const;

export const carePathwayResponse = {
  type: 'object',
  properties: {
    providers: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ref: { type: 'string' },
          kind: { type: 'string' },
          name: { type: 'string' },
          firstContact: nullableString,
          lastContact: nullableString,
          contacts: { type: 'integer' },
          encounters: { type: 'integer' },
        },
        required: ['ref', 'kind', 'firstContact', 'lastContact', 'contacts', 'encounters'],
      },
    },
    referrals: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          from: { type: 'string' },
          to: { type: 'string' },
          serviceRequest: { type: 'string' },
          time: nullableString,
          encounters: stringList,
        },
        required: ['from', 'to', 'serviceRequest', 'time', 'encounters'],
      },
    },
  },
  required: ['providers', 'referrals'],
} as const;

export const cohortResponse = {
  type: 'object',
  properties: {
    patients: { type: ['integer', 'null'] },
    withFrom: { type: 'integer' },
    withPathway: { type: 'integer' },
    patterns: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          steps: {
            type: 'array',
            items: {
              type: 'object',
              properties: { resourceType: { type: 'string' }, code: { type: 'string' }, label: { type: 'string' } },
              required: ['resourceType', 'code', 'label'],
            },
          },
          patients: { type: 'integer' },
          medianDays: { type: 'array', items: { type: 'number' } },
        },
        required: ['steps', 'patients', 'medianDays'],
      },
    },
  },
  required: ['patients', 'withFrom', 'withPathway', 'patterns'],
} as const;

// JSON schemas of the sign-in and user administration API: Fastify validates input with them and
// serialises answers through them (unknown properties are dropped, so every field sent is listed).
import { MAX_PASSWORD_LENGTH } from './password-policy.ts';
import { ROLES } from './types.ts';

const email = { type: 'string', minLength: 3, maxLength: 320, pattern: '^[^\\s@]+@[^\\s@]+$' } as const;
// Longer than the policy allows, so that an over-long password gets the policy's message, not a schema error.
const password = { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_LENGTH * 4 } as const;
const tenant = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } as const;
const token = { type: 'string', minLength: 20, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' } as const;
const role = { type: 'string', enum: ROLES } as const;
const roles = { type: 'array', items: role, minItems: 1, maxItems: ROLES.length, uniqueItems: true } as const;
const fhirReference = {
  type: 'string',
  pattern: '^(Practitioner|PractitionerRole|Patient|RelatedPerson|Person|Device)/[A-Za-z0-9\\-.]{1,64}$',
} as const;
const fhirId = { type: 'string', pattern: '^[A-Za-z0-9\\-.]{1,64}$' } as const;

export const loginBody = {
  type: 'object',
  properties: { tenant, email, password, enrolMfa: { type: 'boolean', default: false } },
  required: ['email', 'password'],
  additionalProperties: false,
} as const;

export const challengeBody = {
  type: 'object',
  properties: { challengeToken: token },
  required: ['challengeToken'],
  additionalProperties: false,
} as const;

export const codeBody = {
  type: 'object',
  properties: { challengeToken: token, code: { type: 'string', minLength: 1, maxLength: 40 } },
  required: ['challengeToken', 'code'],
  additionalProperties: false,
} as const;

// The browser's PublicKeyCredential as JSON (WebAuthn Level 3 `toJSON()`); @simplewebauthn checks the rest.
const credential = {
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 2000 },
    rawId: { type: 'string', maxLength: 2000 },
    type: { type: 'string', const: 'public-key' },
    response: { type: 'object' },
    clientExtensionResults: { type: 'object' },
    authenticatorAttachment: { type: 'string' },
  },
  required: ['id', 'rawId', 'type', 'response', 'clientExtensionResults'],
} as const;

export const webAuthnBody = {
  type: 'object',
  properties: { challengeToken: token, response: credential, name: { type: 'string', minLength: 1, maxLength: 100 } },
  required: ['challengeToken', 'response'],
  additionalProperties: false,
} as const;

export const passwordResetRequestBody = {
  type: 'object',
  properties: { tenant, email },
  required: ['email'],
  additionalProperties: false,
} as const;

export const tokenPasswordBody = {
  type: 'object',
  properties: { token, password },
  required: ['token', 'password'],
  additionalProperties: false,
} as const;

export const inviteBody = {
  type: 'object',
  properties: {
    email,
    displayName: { type: 'string', minLength: 1, maxLength: 200 },
    roles,
    fhirUser: fhirReference,
    patientId: fhirId,
    mfaRequired: { type: 'boolean' },
  },
  required: ['email', 'displayName', 'roles'],
  additionalProperties: false,
} as const;

export const rolesBody = {
  type: 'object',
  properties: { roles },
  required: ['roles'],
  additionalProperties: false,
} as const;

export const userParams = {
  type: 'object',
  properties: {
    id: { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' },
  },
  required: ['id'],
} as const;

export const roleParams = { type: 'object', properties: { role }, required: ['role'] } as const;

export const mfaPolicyBody = {
  type: 'object',
  properties: { required: { type: 'boolean' } },
  required: ['required'],
  additionalProperties: false,
} as const;

export const listUsersQuery = {
  type: 'object',
  properties: {
    search: { type: 'string', minLength: 1, maxLength: 100 },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
    offset: { type: 'integer', minimum: 0, default: 0 },
  },
  additionalProperties: false,
} as const;

const userProperties = {
  id: { type: 'string' },
  tenantId: { type: 'string' },
  email: { type: 'string' },
  displayName: { type: 'string' },
  roles: { type: 'array', items: { type: 'string' } },
  status: { type: 'string' },
  fhirUser: { type: 'string' },
  patientId: { type: 'string' },
  mfaRequiredOverride: { type: 'boolean' },
  createdAt: { type: 'string' },
} as const;

export const userResponse = {
  type: 'object',
  properties: userProperties,
  required: ['id', 'tenantId', 'email', 'displayName', 'roles', 'status', 'createdAt'],
} as const;

export const userListResponse = {
  type: 'object',
  properties: {
    users: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ...userProperties,
          lockedUntil: { type: 'string' },
          mfa: {
            type: 'object',
            properties: {
              totp: { type: 'boolean' },
              passkeys: { type: 'integer' },
              recoveryCodes: { type: 'integer' },
            },
          },
        },
      },
    },
  },
} as const;

export const loginResponse = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'mfa-required', 'mfa-enrolment-required'] },
    user: userResponse,
    recoveryCodes: { type: 'array', items: { type: 'string' } },
    methods: { type: 'array', items: { type: 'string' } },
    challengeToken: { type: 'string' },
    expiresAt: { type: 'string' },
  },
  required: ['status'],
} as const;

export const totpEnrolmentResponse = {
  type: 'object',
  properties: { secret: { type: 'string' }, uri: { type: 'string' } },
  required: ['secret', 'uri'],
} as const;

export const mfaPolicyResponse = {
  type: 'object',
  properties: {
    policies: {
      type: 'array',
      items: { type: 'object', properties: { role: { type: 'string' }, required: { type: 'boolean' } } },
    },
  },
} as const;

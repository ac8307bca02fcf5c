import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '@caregraph/core/client';
import {
  draftsOf,
  findPolicyProblems,
  placePolicyError,
  toPolicyRows,
  withInteraction,
} from '../src/features/tenant-settings/access-policy-form.ts';
import type { IdentityProvider } from '../src/features/tenant-settings/types.ts';
import {
  findProviderProblems,
  formOfProvider,
  NEW_PROVIDER,
  placeProviderError,
  toProviderRequest,
} from '../src/features/tenant-settings/provider-form.ts';

const filled = {
  ...NEW_PROVIDER,
  displayName: 'Hospital SSO',
  issuer: 'https://login.example.org',
  clientId: 'caregraph',
  clientSecret: 's3cret',
};

const stored: IdentityProvider = {
  id: 'idp-1',
  displayName: 'Hospital SSO',
  issuer: 'https://login.example.org',
  clientId: 'caregraph',
  hasClientSecret: true,
  scopes: ['openid', 'email'],
  allowedEmailDomains: ['example.org'],
  justInTimeProvisioning: true,
  defaultRole: 'nurse',
  acceptUpstreamMfa: false,
  enabled: true,
  redirectUri: 'https://caregraph.example.org/oauth/upstream/idp-1/callback',
  createdAt: '2026-11-23T10:00:00.000Z',
  updatedAt: '2026-11-23T10:00:00.000Z',
};

describe('the identity provider form', () => {
  it('accepts a complete new provider and sends its scopes and domains as lists', () => {
    const form = { ...filled, allowedEmailDomains: 'Example.org, example.com example.org' };
    assert.deepEqual(findProviderProblems(form, true), {});
    const request = toProviderRequest(form);
    assert.deepEqual(request.scopes, ['openid', 'email', 'profile']);
    assert.deepEqual(request.allowedEmailDomains, ['example.org', 'example.com']);
    assert.equal(request.defaultRole, null);
  });

  it('requires https (http only on loopback), openid, and a role for users created on sign-in', () => {
    const problems = findProviderProblems(
      { ...filled, issuer: 'http://login.example.org', scopes: 'email', justInTimeProvisioning: true },
      true,
    );
    assert.deepEqual(Object.keys(problems).sort(), ['defaultRole', 'issuer', 'scopes']);
    assert.deepEqual(findProviderProblems({ ...filled, issuer: 'http://127.0.0.1:9000' }, true), {});
  });

  it('needs a secret only for a new provider, and keeps the stored one when left empty', () => {
    const form = formOfProvider(stored);
    assert.equal(form.clientSecret, '');
    assert.deepEqual(findProviderProblems(form, false), {});
    assert.deepEqual(Object.keys(findProviderProblems(form, true)), ['clientSecret']);
    assert.equal('clientSecret' in toProviderRequest(form), false);
  });

  it('refuses a domain that is not a host name', () => {
    assert.deepEqual(Object.keys(findProviderProblems({ ...filled, allowedEmailDomains: 'exa mple' }, true)), [
      'allowedEmailDomains',
    ]);
  });

  it("places the server's refusal beside the field it names", () => {
    const refusal = new ApiError(400, 'issuer did not answer OpenID discovery', { code: 'SSO_INVALID_PROVIDER' });
    assert.deepEqual(placeProviderError(refusal), { issuer: 'issuer did not answer OpenID discovery' });
    assert.deepEqual(placeProviderError(new ApiError(403, 'Administrators only')), {
      form: 'Only administrators can change identity providers.',
    });
  });
});

describe('the access policy editor', () => {
  const rows = [
    { role: 'admin' as const, resource: 'admin', interactions: 'cruds', patients: 'any' as const, breakGlass: false },
    { role: 'nurse' as const, resource: '*', interactions: 'crus', patients: 'in-care' as const, breakGlass: false },
  ];

  it('keeps interaction letters in cruds order whichever is ticked first', () => {
    assert.equal(withInteraction('rs', 'c', true), 'crs');
    assert.equal(withInteraction('crus', 'u', false), 'crs');
    assert.equal(withInteraction('', 'd', true), 'd');
  });

  it('round-trips rows, sending criteria only when there are some', () => {
    const drafts = draftsOf([...rows, { ...rows[1]!, resource: 'Observation', criteria: 'category=vital-signs' }]);
    assert.deepEqual(toPolicyRows(drafts), [
      ...rows,
      { ...rows[1], resource: 'Observation', criteria: 'category=vital-signs' },
    ]);
  });

  it('marks a second row for the same role and resource, a row allowing nothing, and a malformed resource', () => {
    const drafts = draftsOf([
      ...rows,
      { ...rows[1]!, interactions: 'r' },
      { ...rows[1]!, resource: 'Observation', interactions: '' },
      { ...rows[1]!, resource: 'observation!' },
    ]);
    const problems = findPolicyProblems(drafts);
    assert.deepEqual(
      drafts.map((draft) => problems.get(draft.key)),
      [
        undefined,
        undefined,
        'nurse already has a row for *.',
        'Allow at least one interaction, or remove the row.',
        'Name a FHIR resource type (Observation), * for all, or an API area (admin).',
      ],
    );
  });

  it('refuses a policy that leaves no role able to change it', () => {
    const problems = findPolicyProblems(draftsOf([rows[1]!]));
    assert.match(problems.get('') ?? '', /administer access/);
  });

  it("marks the row the server's refusal names", () => {
    const drafts = draftsOf(rows);
    const refusal = new ApiError(400, 'Row 2 (nurse *): criteria apply to one FHIR resource type, not *');
    assert.equal(placePolicyError(refusal, drafts).rowKey, drafts[1]?.key);
    assert.equal(
      placePolicyError(new ApiError(403, 'no'), drafts).message,
      'Your role may not change access policies.',
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SsoError } from './errors.ts';
import { isLoopbackHost, normaliseProviderInput } from './manage-identity-providers.ts';
import type { IdentityProviderInput } from './provider-records.ts';
import { isUpstreamMfaAccepted } from './upstream-routes.ts';

const input = (overrides: Partial<IdentityProviderInput> = {}): IdentityProviderInput => ({
  displayName: ' Regional ID ',
  issuer: 'https://id.example/realm/',
  clientId: 'caregraph',
  scopes: [],
  allowedEmailDomains: [],
  justInTimeProvisioning: false,
  defaultRole: null,
  acceptUpstreamMfa: false,
  enabled: true,
  ...overrides,
});

describe('identity provider settings', () => {
  it('trims the name and the issuer’s trailing slash, and always asks for openid', () => {
    const normalised = normaliseProviderInput(input({ scopes: ['email', 'profile', 'email'] }));

    assert.equal(normalised.displayName, 'Regional ID');
    assert.equal(normalised.issuer, 'https://id.example/realm');
    assert.deepEqual(normalised.scopes, ['openid', 'email', 'profile']);
    assert.deepEqual(normaliseProviderInput(input()).scopes, ['openid', 'email', 'profile']);
  });

  it('lower-cases allowed domains and refuses what is not a domain name', () => {
    assert.deepEqual(
      normaliseProviderInput(input({ allowedEmailDomains: ['Clinic.Example', 'clinic.example'] })).allowedEmailDomains,
      ['clinic.example'],
    );
    assert.throws(() => normaliseProviderInput(input({ allowedEmailDomains: ['@clinic.example'] })), SsoError);
  });

  it('takes plain http only from loopback hosts', () => {
    assert.deepEqual(
      ['localhost', '127.0.0.1', '127.8.9.10', '[::1]', '10.0.0.1', 'id.example', '127.0.0.1.example'].map(
        isLoopbackHost,
      ),
      [true, true, true, true, false, false, false],
    );
    assert.throws(() => normaliseProviderInput(input({ issuer: 'http://10.0.0.1' })), SsoError);
    assert.equal(normaliseProviderInput(input({ issuer: 'http://127.0.0.1:9000' })).issuer, 'http://127.0.0.1:9000');
  });

  it('lets an upstream’s MFA stand in for ours only when trusted and asserted as `mfa`', () => {
    assert.equal(isUpstreamMfaAccepted(true, ['pwd', 'otp', 'mfa']), true);
    assert.equal(isUpstreamMfaAccepted(true, ['pwd', 'otp']), false);
    assert.equal(isUpstreamMfaAccepted(false, ['mfa']), false);
  });
});

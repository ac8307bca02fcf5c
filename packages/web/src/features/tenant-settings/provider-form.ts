// The identity provider form: its text fields, the server's rules checked before sending, and the
// server's refusals placed next to their field.
import { ApiError } from '@caregraph/core/client';
import type { IdentityProvider, IdentityProviderRequest, ProvisionedRole } from './types.ts';

export type ProviderForm = {
  displayName: string;
  issuer: string;
  clientId: string;
  /** Empty on an existing provider keeps the stored secret. */
  clientSecret: string;
  /** Space-separated. */
  scopes: string;
  /** Comma- or space-separated host names; empty allows any. */
  allowedEmailDomains: string;
  justInTimeProvisioning: boolean;
  defaultRole: ProvisionedRole | '';
  acceptUpstreamMfa: boolean;
  enabled: boolean;
};

export type ProviderField =
  'displayName' | 'issuer' | 'clientId' | 'clientSecret' | 'scopes' | 'allowedEmailDomains' | 'defaultRole';

export type ProviderProblems = Partial<Record<ProviderField | 'form', string>>;

export const NEW_PROVIDER: ProviderForm = {
  displayName: '',
  issuer: '',
  clientId: '',
  clientSecret: '',
  scopes: 'openid email profile',
  allowedEmailDomains: '',
  justInTimeProvisioning: false,
  defaultRole: '',
  acceptUpstreamMfa: false,
  enabled: true,
};

/** The form of an existing provider: everything but the secret, which is never sent back. */
export function formOfProvider(provider: IdentityProvider): ProviderForm {
  return {
    displayName: provider.displayName,
    issuer: provider.issuer,
    clientId: provider.clientId,
    clientSecret: '',
    scopes: provider.scopes.join(' '),
    allowedEmailDomains: provider.allowedEmailDomains.join(', '),
    justInTimeProvisioning: provider.justInTimeProvisioning,
    defaultRole: provider.defaultRole ?? '',
    acceptUpstreamMfa: provider.acceptUpstreamMfa,
    enabled: provider.enabled,
  };
}

const words = (text: string) => text.split(/[\s,]+/).filter((word) => word !== '');

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const SCOPE = /^[\x21-\x7e]+$/;

function findIssuerProblem(issuer: string): string | undefined {
  if (issuer === '') {
    return 'Enter the issuer URL of the provider, e.g. https://login.example.org.';
  }
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return 'Enter a full URL starting with https://.';
  }
  const isLoopbackHttp = url.protocol === 'http:' && LOOPBACK.has(url.hostname);
  return url.protocol === 'https:' || isLoopbackHttp
    ? undefined
    : 'The issuer must use https:// (http only on this computer).';
}

/** What is wrong with the form, by field; empty when it can be sent. `isNew` requires a secret. */
export function findProviderProblems(form: ProviderForm, isNew: boolean): ProviderProblems {
  const problems: ProviderProblems = {};
  const displayName = form.displayName.trim();
  if (displayName === '' || displayName.length > 100) {
    problems.displayName = 'Enter the name shown on the sign-in page (up to 100 characters).';
  }
  const issuerProblem = findIssuerProblem(form.issuer.trim());
  if (issuerProblem) {
    problems.issuer = issuerProblem;
  }
  const clientId = form.clientId.trim();
  if (clientId === '' || clientId.length > 200) {
    problems.clientId = 'Enter the client id the provider issued (up to 200 characters).';
  }
  if (isNew && form.clientSecret === '') {
    problems.clientSecret = 'Enter the client secret the provider issued.';
  } else if (form.clientSecret.length > 500) {
    problems.clientSecret = 'The secret is longer than 500 characters.';
  }
  const scopes = words(form.scopes);
  if (!scopes.includes('openid')) {
    problems.scopes = 'The scopes must include openid.';
  } else if (scopes.length > 20 || !scopes.every((scope) => SCOPE.test(scope))) {
    problems.scopes = 'Up to 20 scopes of printable characters, separated by spaces.';
  }
  const domains = words(form.allowedEmailDomains.toLowerCase());
  const badDomain = domains.find((domain) => !HOST_NAME.test(domain));
  if (badDomain !== undefined) {
    problems.allowedEmailDomains = `"${badDomain}" is not a host name like example.org.`;
  } else if (domains.length > 50) {
    problems.allowedEmailDomains = 'Up to 50 domains.';
  }
  if (form.justInTimeProvisioning && form.defaultRole === '') {
    problems.defaultRole = 'Choose the role of users created on their first sign-in.';
  }
  return problems;
}

/** The request body of a checked form. */
export function toProviderRequest(form: ProviderForm): IdentityProviderRequest {
  return {
    displayName: form.displayName.trim(),
    issuer: form.issuer.trim(),
    clientId: form.clientId.trim(),
    ...(form.clientSecret === '' ? {} : { clientSecret: form.clientSecret }),
    scopes: [...new Set(words(form.scopes))],
    allowedEmailDomains: [...new Set(words(form.allowedEmailDomains.toLowerCase()))],
    justInTimeProvisioning: form.justInTimeProvisioning,
    defaultRole: form.defaultRole === '' ? null : form.defaultRole,
    acceptUpstreamMfa: form.acceptUpstreamMfa,
    enabled: form.enabled,
  };
}

const FIELDS: readonly ProviderField[] = [
  'displayName',
  'issuer',
  'clientId',
  'clientSecret',
  'scopes',
  'allowedEmailDomains',
  'defaultRole',
];

/**
 * Where a refusal belongs: a schema error names its property (`body/issuer …`), the provider's own
 * check names the field in its message; anything else goes above the form.
 */
export function placeProviderError(error: unknown): ProviderProblems {
  if (!(error instanceof ApiError)) {
    return { form: 'The provider could not be saved. Try again.' };
  }
  if (error.status === 0) {
    return { form: error.message };
  }
  if (error.status === 403) {
    return { form: 'Only administrators can change identity providers.' };
  }
  if (error.status === 400) {
    const property = /body\/(\w+)/.exec(error.message)?.[1];
    const field =
      FIELDS.find((name) => name === property) ??
      FIELDS.find((name) => new RegExp(`\\b${name}\\b`).test(error.message));
    if (field) {
      return { [field]: error.message };
    }
  }
  return { form: `The provider was not saved: ${error.message}` };
}

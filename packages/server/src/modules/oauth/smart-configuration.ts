import { OAUTH_ROUTES, STATIC_SCOPES, type OAuthSettings } from './settings.ts';

/**
 * The SMART configuration document, served at `<FHIR base>/.well-known/smart-configuration`
 * (SMART App Launch v2 §"SMART on FHIR OAuth authorization Endpoints and Capabilities").
 */
export function buildSmartConfiguration(settings: OAuthSettings) {
  const url = (path: string) => `${settings.issuer}${path}`;
  return {
    issuer: settings.issuer,
    jwks_uri: url(OAUTH_ROUTES.jwks),
    authorization_endpoint: url(OAUTH_ROUTES.authorization),
    token_endpoint: url(OAUTH_ROUTES.token),
    introspection_endpoint: url(OAUTH_ROUTES.introspection),
    revocation_endpoint: url(OAUTH_ROUTES.revocation),
    userinfo_endpoint: url(OAUTH_ROUTES.userinfo),
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'none'],
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: [
      ...STATIC_SCOPES,
      'patient/*.rs',
      'patient/*.cruds',
      'user/*.rs',
      'user/*.cruds',
      'system/*.rs',
      'system/*.cruds',
    ],
    capabilities: [
      'launch-ehr',
      'launch-standalone',
      'client-public',
      'client-confidential-symmetric',
      'context-ehr-patient',
      'context-ehr-encounter',
      'context-standalone-patient',
      'permission-offline',
      'permission-online',
      'permission-patient',
      'permission-user',
      'permission-v1',
      'permission-v2',
      'sso-openid-connect',
    ],
  };
}

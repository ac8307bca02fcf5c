-- The OpenID Connect / OAuth 2.0 authorization server: the provider's own records (grants,
-- codes, sessions, refresh tokens…), registered clients, token signing keys, issued JWT access
-- tokens (for revocation) and SMART launch contexts.

-- oidc-provider's models, one row per record, looked up by id or by the grant, user code or uid
-- it carries. Payloads hold no PHI: account ids, client ids, scopes, claims requested.
CREATE TABLE oauth_record (
  model text NOT NULL,
  id text NOT NULL,
  payload jsonb NOT NULL,
  grant_id text,
  user_code text,
  uid text,
  expires_at timestamptz,
  consumed_at timestamptz,
  PRIMARY KEY (model, id)
);
CREATE INDEX oauth_record_grant ON oauth_record (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oauth_record_uid ON oauth_record (model, uid) WHERE uid IS NOT NULL;
CREATE INDEX oauth_record_user_code ON oauth_record (model, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX oauth_record_expires ON oauth_record (expires_at) WHERE expires_at IS NOT NULL;

-- Registered clients. `metadata` is OAuth 2.0 client metadata (RFC 7591) as the provider reads it;
-- the secret is kept as given, since client_secret_basic compares it (rotate by re-registering).
CREATE TABLE oauth_client (
  client_id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenant (id),
  metadata jsonb NOT NULL,
  -- The scopes the client may be granted, SMART resource scopes included ('system/*.*').
  allowed_scopes text[] NOT NULL,
  -- The roles a client_credentials token carries.
  roles text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX oauth_client_tenant ON oauth_client (tenant_id);

-- Token signing keys (private JWKs). The newest unretired key signs; retired keys stay published
-- in the JWKS until every token they signed has expired, then are deleted.
CREATE TABLE oauth_signing_key (
  kid text PRIMARY KEY,
  private_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  retired_at timestamptz
);

-- Secrets the provider needs across restarts and nodes (cookie signing keys).
CREATE TABLE oauth_secret (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Every JWT access token issued, so that revoking it (or its grant) takes effect at once.
CREATE TABLE oauth_access_token (
  jti text PRIMARY KEY,
  client_id text NOT NULL,
  grant_id text,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX oauth_access_token_grant ON oauth_access_token (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oauth_access_token_expires ON oauth_access_token (expires_at);

-- SMART launch contexts: an EHR launch's `launch` value (created by the EHR, used once at
-- authorization), and the context bound to each grant (the patient a patient/ scope reaches).
CREATE TABLE oauth_launch (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenant (id),
  patient_id text,
  encounter_id text,
  expires_at timestamptz NOT NULL
);

CREATE TABLE oauth_grant_context (
  grant_id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenant (id),
  patient_id text,
  encounter_id text,
  expires_at timestamptz NOT NULL
);

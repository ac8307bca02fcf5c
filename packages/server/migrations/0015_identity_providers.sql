-- Upstream OpenID Connect providers a tenant signs its users in with (single sign-on), the links
-- between upstream subjects and local users, and sign-ins waiting for the upstream's answer.

CREATE TABLE identity_provider (
  tenant_id text NOT NULL REFERENCES tenant (id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  display_name text NOT NULL,
  issuer text NOT NULL,
  client_id text NOT NULL,
  -- AES-256-GCM sealed with the identity provider key from configuration (`v1.<key id>.<iv>.<sealed>`);
  -- never returned by the API.
  client_secret_sealed text NOT NULL,
  scopes text[] NOT NULL,
  -- Lower-case domains an upstream e-mail address must belong to; empty: any.
  allowed_email_domains text[] NOT NULL DEFAULT '{}',
  -- Create a local user on first sign-in when none has the verified address, with this role.
  jit_provisioning boolean NOT NULL DEFAULT false,
  default_role text,
  -- Whether an upstream `amr` containing `mfa` stands in for the local second factor.
  accept_upstream_mfa boolean NOT NULL DEFAULT false,
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  CHECK (NOT jit_provisioning OR default_role IS NOT NULL)
);

-- Which local user an upstream subject (`iss` + `sub`) is: made on the first sign-in, so a later
-- change of the upstream e-mail address cannot move the subject to another local account.
CREATE TABLE identity_provider_link (
  tenant_id text NOT NULL,
  provider_id uuid NOT NULL,
  subject text NOT NULL,
  user_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_sign_in_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, provider_id, subject),
  UNIQUE (tenant_id, provider_id, user_id),
  FOREIGN KEY (tenant_id, provider_id) REFERENCES identity_provider (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, user_id) REFERENCES app_user (tenant_id, id) ON DELETE CASCADE
);

-- A sign-in sent to an upstream provider: found again by the SHA-256 of its `state`, used once.
-- The PKCE verifier and nonce are single-use values that expire with the row.
CREATE TABLE identity_provider_login (
  state_hash text PRIMARY KEY,
  tenant_id text NOT NULL,
  provider_id uuid NOT NULL,
  interaction_uid text NOT NULL,
  code_verifier text NOT NULL,
  nonce text NOT NULL,
  expires_at timestamptz NOT NULL,
  FOREIGN KEY (tenant_id, provider_id) REFERENCES identity_provider (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX identity_provider_login_expires ON identity_provider_login (expires_at);

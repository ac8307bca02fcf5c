-- Users and sign-in: accounts, password and MFA credentials, one-time tokens, login throttling.
-- Secrets are stored only as hashes (passwords with argon2id; one-time tokens and recovery codes
-- with SHA-256 of a high-entropy value), except the TOTP seed, which the server must read back.

CREATE TABLE app_user (
  tenant_id text NOT NULL REFERENCES tenant (id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  -- Lower-cased at write, so uniqueness and lookup ignore case.
  email text NOT NULL CHECK (email = lower(email)),
  display_name text NOT NULL,
  roles text[] NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'invited', 'disabled', 'locked')),
  -- argon2id PHC string; null until an invited user chooses a password.
  password_hash text,
  -- Consecutive wrong passwords since the last success; reaching the policy threshold locks.
  failed_attempts integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  -- Overrides the per-role MFA policy for this user when not null.
  mfa_required_override boolean,
  -- The FHIR resource the user is ('Practitioner/123', 'Patient/456'): SMART's fhirUser claim.
  fhir_user text,
  -- For patient users: the Patient whose compartment they may see (SMART's launch patient).
  patient_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, email)
);

-- One authenticator-app seed per user; unusable until confirmed with a first code.
CREATE TABLE user_totp (
  tenant_id text NOT NULL,
  user_id uuid NOT NULL,
  -- Base32 seed. Field encryption arrives with key management.
  secret text NOT NULL,
  confirmed_at timestamptz,
  -- The RFC 6238 time step of the last accepted code: a code is never accepted twice.
  last_time_step bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES app_user (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE user_recovery_code (
  tenant_id text NOT NULL,
  user_id uuid NOT NULL,
  -- SHA-256 (hex) of the normalised code.
  code_hash text NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id, code_hash),
  FOREIGN KEY (tenant_id, user_id) REFERENCES app_user (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE user_passkey (
  tenant_id text NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL,
  -- WebAuthn credential id and COSE public key, base64url.
  credential_id text NOT NULL,
  public_key text NOT NULL,
  -- Signature counter: a response whose counter does not grow is refused (a cloned authenticator).
  counter bigint NOT NULL DEFAULT 0,
  transports text[] NOT NULL DEFAULT '{}',
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, credential_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES app_user (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX user_passkey_user ON user_passkey (tenant_id, user_id);

-- Invitations, password resets and sign-in challenges. Only a SHA-256 of the token is kept; the
-- hash alone finds the row, so a token carries its tenant.
CREATE TABLE one_time_token (
  token_hash text PRIMARY KEY,
  tenant_id text NOT NULL,
  user_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('invite', 'reset', 'mfa-challenge')),
  -- State of a sign-in challenge (its stage, a pending WebAuthn challenge, failed tries).
  data jsonb NOT NULL DEFAULT '{}',
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, user_id) REFERENCES app_user (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX one_time_token_user ON one_time_token (tenant_id, user_id, kind);

CREATE TABLE role_mfa_policy (
  tenant_id text NOT NULL REFERENCES tenant (id),
  role text NOT NULL,
  required boolean NOT NULL,
  PRIMARY KEY (tenant_id, role)
);

-- Failed password attempts, whether or not the account exists, for throttling by account and by
-- address. A success clears the account's rows for its address; rows older than the throttle
-- window carry no weight and are pruned as attempts are recorded.
CREATE TABLE login_attempt (
  tenant_id text NOT NULL,
  email text NOT NULL,
  ip text NOT NULL,
  attempted_at timestamptz NOT NULL
);
CREATE INDEX login_attempt_account ON login_attempt (tenant_id, email, ip, attempted_at);
CREATE INDEX login_attempt_ip ON login_attempt (tenant_id, ip, attempted_at);

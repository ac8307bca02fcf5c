-- Field encryption keys: per tenant, a data key per version (AES-256-GCM, seals national identifiers,
-- attachments and notes) and a blind-index key (HMAC-SHA-256 over sealed identifiers, for exact
-- search). Every key is stored only wrapped by a key-encryption key from configuration, named by
-- kek_id (a fingerprint). key_id is random and is what each ciphertext names.
CREATE TABLE encryption_key (
  key_id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenant (id),
  purpose text NOT NULL CHECK (purpose IN ('data', 'blind-index')),
  version integer NOT NULL CHECK (version >= 1),
  kek_id text NOT NULL,
  wrapped text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Set by `caregraph keys rotate` once no stored value is sealed under the key any more.
  retired_at timestamptz,
  UNIQUE (tenant_id, purpose, version)
);

-- CareGraph schema, version 1: tenants, API keys, FHIR resources with history, search indexes.
-- One dialect for PGlite and PostgreSQL ≥ 15. Every row carries tenant_id and every key starts with it.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE tenant (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Credentials until real identity lands: only a SHA-256 of the key is stored.
CREATE TABLE api_key (
  key_hash text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenant (id),
  label text NOT NULL,
  roles text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

-- Current version of every resource (deleted ones keep a row with deleted = true and no content).
CREATE TABLE resource (
  tenant_id text NOT NULL REFERENCES tenant (id),
  resource_type text NOT NULL,
  id text NOT NULL,
  version_id bigint NOT NULL,
  last_updated timestamptz NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  content jsonb,
  PRIMARY KEY (tenant_id, resource_type, id)
);

-- Every version, including deletions, for vread and _history.
CREATE TABLE resource_history (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  id text NOT NULL,
  version_id bigint NOT NULL,
  last_updated timestamptz NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  method text NOT NULL CHECK (method IN ('POST', 'PUT', 'PATCH', 'DELETE')),
  content jsonb,
  PRIMARY KEY (tenant_id, resource_type, id, version_id)
);
CREATE INDEX resource_history_type_time ON resource_history (tenant_id, resource_type, last_updated);
CREATE INDEX resource_history_time ON resource_history (tenant_id, last_updated);

-- Search indexes derived from the R4 SearchParameter definitions, rewritten with each version.
-- Each has a value index led by (tenant_id, resource_type, code) for searching, and an owner index
-- led by resource_id for rewriting one resource's rows; the owner index deliberately does not start
-- with (tenant_id, resource_type), so the planner never mistakes it for a search index.
CREATE TABLE search_token (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  system text,
  value text,
  text_value text
);
CREATE INDEX search_token_value ON search_token (tenant_id, resource_type, code, value, system);
CREATE INDEX search_token_owner ON search_token (resource_id, tenant_id, resource_type);

CREATE TABLE search_string (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  -- lower-cased, accents removed: the spec's default string match is case- and accent-insensitive
  value text NOT NULL,
  -- as written, for :exact
  exact_value text NOT NULL
);
CREATE INDEX search_string_value ON search_string (tenant_id, resource_type, code, value text_pattern_ops);
CREATE INDEX search_string_owner ON search_string (resource_id, tenant_id, resource_type);

CREATE TABLE search_reference (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  target_type text,
  target_id text,
  -- the reference exactly as written, for absolute URLs and canonicals
  target text NOT NULL
);
CREATE INDEX search_reference_target ON search_reference (tenant_id, resource_type, code, target_id);
CREATE INDEX search_reference_reverse ON search_reference (tenant_id, target_type, target_id);
CREATE INDEX search_reference_owner ON search_reference (resource_id, tenant_id, resource_type);

CREATE TABLE search_date (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  -- the instant range the value covers at its precision: 2020-03 covers [2020-03-01, 2020-04-01)
  low timestamptz,
  high timestamptz
);
CREATE INDEX search_date_range ON search_date (tenant_id, resource_type, code, low, high);
CREATE INDEX search_date_owner ON search_date (resource_id, tenant_id, resource_type);

CREATE TABLE search_number (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  value numeric NOT NULL,
  -- for quantities: the unit system and code
  system text,
  unit text
);
CREATE INDEX search_number_value ON search_number (tenant_id, resource_type, code, value);
CREATE INDEX search_number_owner ON search_number (resource_id, tenant_id, resource_type);

CREATE TABLE search_uri (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  value text NOT NULL
);
CREATE INDEX search_uri_value ON search_uri (tenant_id, resource_type, code, value);
CREATE INDEX search_uri_owner ON search_uri (resource_id, tenant_id, resource_type);

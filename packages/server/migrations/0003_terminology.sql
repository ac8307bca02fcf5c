-- Terminology: code systems with their concepts, hierarchy, designations and maps, value sets,
-- and the bindings each tenant requires on writes. Code systems are reference data shared by every
-- tenant (they hold no patient data); bindings are per tenant.

-- One row per loaded release of a code system. Loading a newer release keeps the older one.
CREATE TABLE term_system (
  id serial PRIMARY KEY,
  url text NOT NULL,
  version text NOT NULL,
  name text,
  title text,
  publisher text,
  copyright text,
  -- complete | fragment | example | not-present, as CodeSystem.content
  content text NOT NULL DEFAULT 'complete',
  -- the release $lookup and $validate-code use when no version is asked for
  is_current boolean NOT NULL DEFAULT false,
  concept_count integer NOT NULL DEFAULT 0,
  loaded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (url, version)
);
CREATE UNIQUE INDEX term_system_current ON term_system (url) WHERE is_current;

CREATE TABLE term_concept (
  system_id integer NOT NULL REFERENCES term_system (id) ON DELETE CASCADE,
  code text NOT NULL,
  display text,
  definition text,
  -- false for codes retired by a later release, or marked inactive by the release itself
  active boolean NOT NULL DEFAULT true,
  -- CodeSystem.concept.property as {code: value | value[]}
  properties jsonb,
  -- display and synonyms, lower-cased and accent-folded, for typeahead
  search_text text NOT NULL,
  PRIMARY KEY (system_id, code)
);
CREATE INDEX term_concept_code ON term_concept (lower(code) text_pattern_ops);
CREATE INDEX term_concept_search ON term_concept USING gin (search_text gin_trgm_ops);

CREATE TABLE term_designation (
  system_id integer NOT NULL,
  code text NOT NULL,
  language text,
  use_system text,
  use_code text,
  value text NOT NULL,
  FOREIGN KEY (system_id, code) REFERENCES term_concept (system_id, code) ON DELETE CASCADE
);
CREATE INDEX term_designation_concept ON term_designation (system_id, code);

-- Direct is-a edges; the hierarchy is walked with recursive queries.
CREATE TABLE term_parent (
  system_id integer NOT NULL,
  child_code text NOT NULL,
  parent_code text NOT NULL,
  PRIMARY KEY (system_id, child_code, parent_code)
);
CREATE INDEX term_parent_parent ON term_parent (system_id, parent_code);

-- ConceptMap elements, e.g. SNOMED CT → ICD-10-CM.
CREATE TABLE term_map (
  map_url text NOT NULL,
  map_version text NOT NULL DEFAULT '',
  source_system text NOT NULL,
  source_code text NOT NULL,
  target_system text NOT NULL,
  target_code text,
  target_display text,
  -- ConceptMap.group.element.target.equivalence
  equivalence text NOT NULL,
  comment text
);
CREATE INDEX term_map_source ON term_map (source_system, source_code);
CREATE INDEX term_map_url ON term_map (map_url, map_version);

-- Value sets available to every tenant (the FHIR R4 core ones, and any loaded from files).
CREATE TABLE term_value_set (
  url text NOT NULL,
  version text NOT NULL,
  resource jsonb NOT NULL,
  is_current boolean NOT NULL DEFAULT true,
  PRIMARY KEY (url, version)
);

-- Codes a tenant requires on writes: element `path` of `resource_type` must hold a code from the value set.
CREATE TABLE term_binding (
  tenant_id text NOT NULL REFERENCES tenant (id),
  resource_type text NOT NULL,
  path text NOT NULL,
  value_set_url text NOT NULL,
  PRIMARY KEY (tenant_id, resource_type, path)
);

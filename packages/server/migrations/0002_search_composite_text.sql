-- Search indexes for composite parameters (R4 §3.1.1.4.10) and full-text `_text` / `_content`.

-- One row per component of each composite value. Components of the same value share `grp`, so a
-- search can require all of them to hold for one value (e.g. one Observation.component's code AND
-- its valueQuantity), not for any mix of values.
CREATE TABLE search_composite (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  grp integer NOT NULL,
  component smallint NOT NULL,
  -- token: system and code; string: normalised value; reference: Type/id; uri: the uri
  system text,
  value text,
  -- number and quantity: the value and, for quantities, the unit code
  number numeric,
  unit text,
  -- date: the instant range the value covers
  low timestamptz,
  high timestamptz
);
CREATE INDEX search_composite_value ON search_composite (tenant_id, resource_type, code, component, value, system);
CREATE INDEX search_composite_owner ON search_composite (resource_id, tenant_id, resource_type);

-- Words of each resource for full-text search: `narrative` from text.div (`_text`), `content`
-- from every string in the resource (`_content`). Accents are folded before indexing.
CREATE TABLE search_text (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  narrative tsvector NOT NULL,
  content tsvector NOT NULL,
  PRIMARY KEY (tenant_id, resource_type, resource_id)
);
CREATE INDEX search_text_narrative ON search_text USING gin (narrative);
CREATE INDEX search_text_content ON search_text USING gin (content);

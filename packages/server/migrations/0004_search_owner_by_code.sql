-- Search indexes that answer lookups on their own (index-only scans, once VACUUM has marked the
-- pages all-visible; imports and autovacuum do).
--
-- Owner indexes also key on the parameter code: a search that starts from one index (say the
-- patient's references) checks its other criteria by probing the owner index of each candidate;
-- with the code in the key a probe reads only that parameter's rows instead of every index row of
-- the resource (an Observation has a dozen token rows), and with the values included it never
-- visits the table. `_sort` lookups do the same.
DROP INDEX search_token_owner;
CREATE INDEX search_token_owner ON search_token (resource_id, tenant_id, resource_type, code) INCLUDE (system, value);
DROP INDEX search_string_owner;
CREATE INDEX search_string_owner ON search_string (resource_id, tenant_id, resource_type, code) INCLUDE (value);
DROP INDEX search_reference_owner;
CREATE INDEX search_reference_owner ON search_reference (resource_id, tenant_id, resource_type, code)
  INCLUDE (target_type, target_id);
DROP INDEX search_date_owner;
CREATE INDEX search_date_owner ON search_date (resource_id, tenant_id, resource_type, code) INCLUDE (low, high);
DROP INDEX search_number_owner;
CREATE INDEX search_number_owner ON search_number (resource_id, tenant_id, resource_type, code) INCLUDE (value);
DROP INDEX search_uri_owner;
CREATE INDEX search_uri_owner ON search_uri (resource_id, tenant_id, resource_type, code) INCLUDE (value);
DROP INDEX search_composite_owner;
CREATE INDEX search_composite_owner ON search_composite (resource_id, tenant_id, resource_type, code);

-- Value indexes carry the owning resource id, so "which resources have this value" reads the index only.
DROP INDEX search_token_value;
CREATE INDEX search_token_value ON search_token (tenant_id, resource_type, code, value, system) INCLUDE (resource_id);
DROP INDEX search_string_value;
CREATE INDEX search_string_value ON search_string (tenant_id, resource_type, code, value text_pattern_ops)
  INCLUDE (resource_id);
DROP INDEX search_reference_target;
CREATE INDEX search_reference_target ON search_reference (tenant_id, resource_type, code, target_id)
  INCLUDE (target_type, resource_id);
DROP INDEX search_date_range;
CREATE INDEX search_date_range ON search_date (tenant_id, resource_type, code, low, high) INCLUDE (resource_id);

-- The owner indexes also key on the parameter code. A search that starts from one index (say the
-- patient's references) checks its other criteria by probing the owner index of each candidate;
-- with the code in the key, a probe reads only that parameter's rows instead of every index row of
-- the resource (an Observation has a dozen token rows), and `_sort` lookups do the same.
DROP INDEX search_token_owner;
CREATE INDEX search_token_owner ON search_token (resource_id, tenant_id, resource_type, code);
DROP INDEX search_string_owner;
CREATE INDEX search_string_owner ON search_string (resource_id, tenant_id, resource_type, code);
DROP INDEX search_reference_owner;
CREATE INDEX search_reference_owner ON search_reference (resource_id, tenant_id, resource_type, code);
DROP INDEX search_date_owner;
CREATE INDEX search_date_owner ON search_date (resource_id, tenant_id, resource_type, code);
DROP INDEX search_number_owner;
CREATE INDEX search_number_owner ON search_number (resource_id, tenant_id, resource_type, code);
DROP INDEX search_uri_owner;
CREATE INDEX search_uri_owner ON search_uri (resource_id, tenant_id, resource_type, code);
DROP INDEX search_composite_owner;
CREATE INDEX search_composite_owner ON search_composite (resource_id, tenant_id, resource_type, code);

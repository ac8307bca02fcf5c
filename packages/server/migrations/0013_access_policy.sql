-- Access policies: what each role of a tenant may do, as data. A row grants a role some
-- interactions (SMART letters c r u d s) on a FHIR resource type, on every type (`*`), or on an
-- area of the JSON API (`admin`), over the patients it reaches: any, those in the user's care, or
-- the user's own record; `criteria` (a FHIR search query string) narrows it further. A tenant
-- without rows gets the built-in defaults written on first use (modules/access/default-policies.ts).
CREATE TABLE access_policy (
  tenant_id text NOT NULL REFERENCES tenant (id),
  role text NOT NULL,
  resource text NOT NULL CHECK (resource ~ '^(\*|[A-Z][A-Za-z]{0,63}|[a-z][a-z-]{0,63})$'),
  interactions text NOT NULL CHECK (interactions ~ '^c?r?u?d?s?$' AND interactions <> ''),
  patients text NOT NULL CHECK (patients IN ('any', 'in-care', 'own')),
  criteria text,
  break_glass boolean NOT NULL DEFAULT false,
  PRIMARY KEY (tenant_id, role, resource)
);

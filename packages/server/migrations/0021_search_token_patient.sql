-- Token rows carry the Patient their resource references, so a patient's Observations of one code
-- are one range of an index instead of a probe per Observation of the patient.
--
-- `Observation?subject=Patient/1&code=…` was driven from the patient's references and checked
-- the code of each of the patient's Observations through the value index: a patient with 980
-- Observations cost 5,000 buffer reads for 11 matches. With the patient on the token rows it
-- reads that patient's `code` rows (980, in a few index pages), keeps the 38 of the code and checks
-- their subject: 350-425 reads.
--
-- referenced_patient is the id of the one Patient the resource's indexed references point at
-- (subject, patient, performer… whichever the type has), '*' when they point at several and null
-- when at none; null on a Patient's own rows. So every resource but a Patient that references
-- Patient/1 through any parameter has '1' or '*', and a search pinned to Patient/1 may read the
-- rows of ('1', '*') and check the reference itself.
--
-- The table is rebuilt rather than updated in place: an UPDATE of every row would leave a dead copy
-- of each row and of each of its index entries behind, doubling the table and its indexes until a
-- VACUUM FULL, which a migration's transaction cannot run.
CREATE TABLE search_token_rebuilt (
  tenant_id text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  code text NOT NULL,
  system text,
  value text,
  text_value text,
  referenced_patient text
);

INSERT INTO search_token_rebuilt
SELECT t.tenant_id, t.resource_type, t.resource_id, t.code, t.system, t.value, t.text_value, p.patient
FROM search_token t
LEFT JOIN (
  SELECT tenant_id, resource_type, resource_id,
    CASE WHEN min(target_id) = max(target_id) THEN min(target_id) ELSE '*' END AS patient
  FROM search_reference
  WHERE target_type = 'Patient' AND target_id IS NOT NULL
    -- A Patient's own rows carry none: its only patient references are links, which the master
    -- patient index rewrites (index-values.ts, tokensCarryPatient).
    AND resource_type <> 'Patient'
  GROUP BY tenant_id, resource_type, resource_id
) p ON p.tenant_id = t.tenant_id AND p.resource_type = t.resource_type AND p.resource_id = t.resource_id;

DROP TABLE search_token;
ALTER TABLE search_token_rebuilt RENAME TO search_token;

-- The indexes of migrations 0004 and 0016, and the patient's.
CREATE INDEX search_token_value ON search_token (tenant_id, resource_type, code, value, resource_id) INCLUDE (system);
CREATE INDEX search_token_owner ON search_token (resource_id, tenant_id, resource_type, code) INCLUDE (system, value);
-- Only rows of resources that reference a patient: the clinical record, not the directory
-- (Practitioner, Organization, Medication…) or terminology.
CREATE INDEX search_token_patient ON search_token (tenant_id, referenced_patient, resource_type, code, value)
  INCLUDE (system, resource_id) WHERE referenced_patient IS NOT NULL;
-- A new table has no statistics: without them the planner would take every value to be rare.
ANALYZE search_token;

-- The patient journey: a graph projection of each patient's resources. Rewritten in the same
-- transaction as every resource write, and rebuildable from the resources alone
-- (`caregraph journey rebuild`), so nothing here is a source of truth.

-- One node per resource per patient whose compartment holds it (the R4 Patient
-- CompartmentDefinition); the Patient resource is a node of its own journey.
CREATE TABLE journey_node (
  tenant_id text NOT NULL,
  patient_id text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  -- When the care happened (its start), else when it was recorded; null when the resource has no date.
  start_time timestamptz,
  end_time timestamptz,
  -- What a person calls it: the display of its main code, else its type.
  label text NOT NULL,
  -- Every code of the main coded element, as 'system|code', for code filters and cohort patterns.
  codes text[] NOT NULL DEFAULT '{}',
  -- The Encounter the resource belongs to (an Encounter's own id), for grouping the timeline.
  encounter_id text,
  -- The Practitioner, PractitionerRole and Organization references that provided the care.
  providers text[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (tenant_id, patient_id, resource_type, resource_id)
);
-- The timeline walk: a patient's nodes in time order (ties broken by reference).
CREATE INDEX journey_node_timeline ON journey_node (tenant_id, patient_id, start_time, resource_type, resource_id);
-- Which journeys a resource is in, for rewriting it.
CREATE INDEX journey_node_resource ON journey_node (tenant_id, resource_type, resource_id);
CREATE INDEX journey_node_codes ON journey_node USING gin (codes);

-- Typed edges between resources of one patient's journey: from the references inside the `from`
-- resource (relation names the clinical meaning, e.g. 'part-of', 'has-result', 'treats'), plus
-- 'next' along the patient's timeline. An edge may name a resource not (yet) stored; queries
-- keep only edges whose ends are nodes, so the order resources arrive in does not matter.
CREATE TABLE journey_edge (
  tenant_id text NOT NULL,
  patient_id text NOT NULL,
  from_type text NOT NULL,
  from_id text NOT NULL,
  relation text NOT NULL,
  to_type text NOT NULL,
  to_id text NOT NULL,
  PRIMARY KEY (tenant_id, patient_id, from_type, from_id, relation, to_type, to_id)
);
CREATE INDEX journey_edge_to ON journey_edge (tenant_id, patient_id, to_type, to_id);

-- A journey page is a run of the timeline: its nodes are one range of start_time. Each edge carries
-- its `from` node's start_time, so the edges leaving a page are one range read of the index below
-- instead of one primary-key probe per node. The projection writes from_time in the statements
-- that write the edges (a resource's edges are always rewritten with it, `next` edges by the chain
-- code), and the rebuild fills it; null where the `from` node has no time.
ALTER TABLE journey_edge ADD COLUMN from_time timestamptz;

UPDATE journey_edge e SET from_time = n.start_time
FROM journey_node n
WHERE n.tenant_id = e.tenant_id AND n.patient_id = e.patient_id
  AND n.resource_type = e.from_type AND n.resource_id = e.from_id
  AND n.start_time IS NOT NULL;

-- Covers the page read (an index-only scan), in timeline order as the primary key orders each
-- node's edges; undated `from` nodes are read through the primary key.
CREATE INDEX journey_edge_from_time
  ON journey_edge (tenant_id, patient_id, from_time, from_type, from_id, relation, to_type, to_id)
  WHERE from_time IS NOT NULL;

-- Value indexes key on the owning resource id after the value, so a check of one candidate
-- ("does resource X have this code?") seeks straight to X whichever index the planner picks.
--
-- A search pinned to a patient's record checks its other criteria per candidate id, through the
-- owner indexes. A prepared statement's generic plan cannot tell a common value from a rare one
-- and may pick the value index instead: with the id only INCLUDEd, that probe read every row of
-- the value (1,360 rows per candidate for a common LOINC code on 200 patients). With the id in
-- the key it is one descent, so those searches can be prepared and skip planning.
--
-- The system moves to INCLUDE: `code=x` without a system then seeks on the id too, and a token's
-- value is rarely shared by two systems, so filtering them in the index costs little.
DROP INDEX search_token_value;
CREATE INDEX search_token_value ON search_token (tenant_id, resource_type, code, value, resource_id) INCLUDE (system);
DROP INDEX search_reference_target;
CREATE INDEX search_reference_target ON search_reference (tenant_id, resource_type, code, target_id, resource_id)
  INCLUDE (target_type);

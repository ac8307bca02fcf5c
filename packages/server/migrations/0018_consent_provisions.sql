-- The provisions of a Consent flattened for the access filter (modules/consent): one row per
-- provision, base provision first, with its place in the tree (`0`, `0.1`, `0.1.0`…), its type
-- (nested ones without a type take their parent's) and its conditions read out of the JSON:
-- period as instants (a partial date lasts its whole year, month or day, UTC; `period_end` is
-- exclusive), actor, data and security label references as `Type/id`.
--
-- PL/pgSQL on purpose: the planner takes the call as one opaque function with a small row
-- estimate. Unpacked in each statement, every jsonb_array_elements level was costed at a hundred
-- rows, which made each search with a consent condition look expensive enough to be JIT-compiled
-- (seconds per statement on PostgreSQL).
CREATE FUNCTION consent_provisions(content jsonb)
RETURNS TABLE (
  path text, parent text, kind text, period_start timestamptz, period_end timestamptz, actors text[],
  labels text[], has_data boolean, instances text[], related text[], dependents text[]
)
LANGUAGE plpgsql STABLE ROWS 3 AS $$
#variable_conflict use_column
BEGIN
  IF jsonb_typeof(content -> 'provision') IS DISTINCT FROM 'object' THEN
    RETURN;
  END IF;
  RETURN QUERY
  WITH RECURSIVE tree (path, parent, kind, node) AS (
    SELECT '0'::text, NULL::text, coalesce(content #>> '{provision,type}', 'permit'), content -> 'provision'
    UNION ALL
    SELECT t.path || '.' || (e.n - 1)::text, t.path, coalesce(e.child ->> 'type', t.kind), e.child
    FROM tree t
    CROSS JOIN LATERAL jsonb_array_elements(
      CASE WHEN jsonb_typeof(t.node -> 'provision') = 'array' THEN t.node -> 'provision' ELSE '[]'::jsonb END
    ) WITH ORDINALITY e (child, n)
  ),
  parts AS (
    SELECT t.*, t.node #>> '{period,start}' AS starts, t.node #>> '{period,end}' AS ends,
      CASE WHEN jsonb_typeof(t.node -> 'actor') = 'array' THEN t.node -> 'actor' ELSE '[]'::jsonb END AS actor_list,
      CASE WHEN jsonb_typeof(t.node -> 'data') = 'array' THEN t.node -> 'data' ELSE '[]'::jsonb END AS data_list,
      CASE WHEN jsonb_typeof(t.node -> 'securityLabel') = 'array' THEN t.node -> 'securityLabel' ELSE '[]'::jsonb END
        AS label_list
    FROM tree t
  )
  SELECT p.path, p.parent, p.kind,
    CASE length(p.starts)
      WHEN 4 THEN (p.starts || '-01-01')::timestamp AT TIME ZONE 'UTC'
      WHEN 7 THEN (p.starts || '-01')::timestamp AT TIME ZONE 'UTC'
      WHEN 10 THEN p.starts::timestamp AT TIME ZONE 'UTC'
      ELSE p.starts::timestamptz END,
    CASE length(p.ends)
      WHEN 4 THEN ((p.ends || '-01-01')::timestamp + interval '1 year') AT TIME ZONE 'UTC'
      WHEN 7 THEN ((p.ends || '-01')::timestamp + interval '1 month') AT TIME ZONE 'UTC'
      WHEN 10 THEN (p.ends::timestamp + interval '1 day') AT TIME ZONE 'UTC'
      ELSE p.ends::timestamptz + interval '1 millisecond' END,
    ARRAY(SELECT substring(a #>> '{reference,reference}' from '([A-Za-z]+/[A-Za-z0-9.-]{1,64})$')
      FROM jsonb_array_elements(p.actor_list) a),
    ARRAY(SELECT l ->> 'code' FROM jsonb_array_elements(p.label_list) l),
    p.data_list <> '[]'::jsonb,
    ARRAY(SELECT substring(d #>> '{reference,reference}' from '([A-Za-z]+/[A-Za-z0-9.-]{1,64})$')
      FROM jsonb_array_elements(p.data_list) d WHERE d ->> 'meaning' IS DISTINCT FROM 'authoredby'),
    ARRAY(SELECT substring(d #>> '{reference,reference}' from '([A-Za-z]+/[A-Za-z0-9.-]{1,64})$')
      FROM jsonb_array_elements(p.data_list) d WHERE d ->> 'meaning' = 'related'),
    ARRAY(SELECT substring(d #>> '{reference,reference}' from '([A-Za-z]+/[A-Za-z0-9.-]{1,64})$')
      FROM jsonb_array_elements(p.data_list) d WHERE d ->> 'meaning' IN ('dependents', 'authoredby'))
  FROM parts p;
END $$;

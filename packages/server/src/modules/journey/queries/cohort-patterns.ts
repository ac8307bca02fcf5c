import type { Group, Patient } from '@medplum/fhirtypes';
import type { Queryable } from '../../../platform/db/index.ts';
import { badParameter, JourneyError } from '../journey-error.ts';
import { searchAll, tryReadResource, type FhirFetch } from './fhir-fetch.ts';
import { codeCondition } from './journey-filter.ts';

/** The resource types whose coded nodes count as steps unless `types` says otherwise. */
export const DEFAULT_STEP_TYPES = ['Condition', 'MedicationRequest', 'Procedure'];

export type Codes = { qualified: string[]; bare: string[] };

/** Whose journeys: a Group's members, the matches of a Patient search, or (neither) every patient. */
export type CohortSource = { group: string } | { patientSearch: string } | { everyone: true };

export type CohortPatternOptions = {
  tenantId: string;
  from: Codes;
  to: Codes;
  stepTypes: string[];
  limit: number;
  /** Resources (`Type/id`) the patients' Consents hide from the caller. */
  hidden?: ReadonlySet<string> | undefined;
};

/** One step of a pathway: a resource type and its main code, with a label seen for it. */
export type PathwayStep = { resourceType: string; code: string; label: string };

/**
 * A pathway shared by `patients` patients: the distinct coded steps between the first `from`
 * event and the first later `to` event, in order, and the median days between consecutive events
 * (from → first step → … → to, so one more than the steps).
 */
export type CohortPattern = { steps: PathwayStep[]; patients: number; medianDays: number[] };

export type CohortPatterns = {
  /** Patients in the cohort, patients with a `from` event, and those with a later `to` event. */
  patients: number | null;
  withFrom: number;
  withPathway: number;
  patterns: CohortPattern[];
};

type PatternsRow = {
  result: {
    with_from: number;
    with_pathway: number;
    patterns: Array<{
      steps: string[] | null;
      labels: string[] | null;
      patients: number;
      median_days: number[] | null;
    }>;
  };
};

/** The patient ids a cohort source names, or null for every patient of the tenant. */
export async function resolveCohort(fetch: FhirFetch, source: CohortSource): Promise<string[] | null> {
  if ('everyone' in source) {
    return null;
  }
  if ('group' in source) {
    const id = source.group.startsWith('Group/') ? source.group.slice('Group/'.length) : source.group;
    const group = await tryReadResource<Group>(fetch, 'Group', id);
    if (!group) {
      throw new JourneyError(404, 'JOURNEY_GROUP_NOT_FOUND', `Group/${id} not found`);
    }
    return [
      ...new Set(
        (group.member ?? [])
          .filter((member) => member.inactive !== true)
          .map((member) => member.entity.reference ?? '')
          .filter((ref) => ref.startsWith('Patient/'))
          .map((ref) => ref.slice('Patient/'.length)),
      ),
    ];
  }
  const query = [...new URLSearchParams(source.patientSearch)].filter(([name]) => name !== '_count');
  const patients = await searchAll<Patient>(fetch, 'Patient', [...query, ['_elements', 'id']], (diagnostics) =>
    badParameter('patients', diagnostics),
  );
  return patients.map((patient) => patient.id ?? '');
}

/**
 * The most common pathways from a `from` event to a later `to` event across a cohort, computed in
 * one SQL statement over the journey projection: per patient the first `from` event, the first
 * `to` event after it, the first occurrence of each distinct coded step in between; then patients
 * grouped by identical step sequences, with the median gap per position.
 */
export async function findCohortPatterns(
  db: Queryable,
  cohort: string[] | null,
  options: CohortPatternOptions,
): Promise<CohortPatterns> {
  const params: unknown[] = [options.tenantId, cohort, options.stepTypes, options.limit];
  const addParam = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const isFrom = codeCondition('n', options.from, addParam);
  const isTo = codeCondition('n', options.to, addParam);
  // Resources the patients' Consents hide from the caller count for nothing: not as start, end or step.
  const visible =
    options.hidden && options.hidden.size > 0
      ? `AND NOT (n.resource_type || '/' || n.resource_id = ANY(${addParam([...options.hidden])}::text[]))`
      : '';
  const { rows } = await db.query<PatternsRow>(
    `WITH starts AS (
       SELECT n.patient_id, min(n.start_time) AS t0 FROM journey_node n
       WHERE n.tenant_id = $1 AND ($2::text[] IS NULL OR n.patient_id = ANY($2::text[]))
         AND n.start_time IS NOT NULL AND ${isFrom} ${visible}
       GROUP BY n.patient_id
     ),
     reached AS (
       SELECT s.patient_id, s.t0, t.t1 FROM starts s
       CROSS JOIN LATERAL (
         SELECT min(n.start_time) AS t1 FROM journey_node n
         WHERE n.tenant_id = $1 AND n.patient_id = s.patient_id AND n.start_time > s.t0 AND ${isTo} ${visible}
       ) t
       WHERE t.t1 IS NOT NULL
     ),
     steps AS (
       SELECT r.patient_id, n.resource_type || ' ' || n.codes[1] AS step, min(n.start_time) AS t, min(n.label) AS label
       FROM reached r
       JOIN journey_node n
         ON n.tenant_id = $1 AND n.patient_id = r.patient_id AND n.start_time > r.t0 AND n.start_time < r.t1
       WHERE n.resource_type = ANY($3::text[]) AND cardinality(n.codes) > 0 AND NOT ${isFrom} AND NOT ${isTo} ${visible}
       GROUP BY r.patient_id, n.resource_type, n.codes[1]
     ),
     paths AS (
       SELECT r.patient_id,
              coalesce(q.steps, '{}') AS steps,
              ARRAY[r.t0] || coalesce(q.times, '{}') || ARRAY[r.t1] AS times
       FROM reached r
       LEFT JOIN (
         SELECT patient_id, array_agg(step ORDER BY t, step) AS steps, array_agg(t ORDER BY t, step) AS times
         FROM steps GROUP BY patient_id
       ) q ON q.patient_id = r.patient_id
     ),
     ranked AS (
       SELECT steps, count(*)::int AS patients FROM paths GROUP BY steps ORDER BY patients DESC, steps LIMIT $4
     ),
     medians AS (
       SELECT p.steps, g.i,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM p.times[g.i + 1] - p.times[g.i]) / 86400) AS median
       FROM paths p
       JOIN ranked k ON k.steps = p.steps
       CROSS JOIN LATERAL generate_series(1, cardinality(p.times) - 1) AS g(i)
       GROUP BY p.steps, g.i
     ),
     labels AS (SELECT step, min(label) AS label FROM steps GROUP BY step)
     SELECT json_build_object(
       'with_from', (SELECT count(*)::int FROM starts),
       'with_pathway', (SELECT count(*)::int FROM reached),
       'patterns', coalesce((
         SELECT json_agg(json_build_object(
           'steps', k.steps,
           'labels', (SELECT array_agg(l.label ORDER BY u.ord) FROM unnest(k.steps) WITH ORDINALITY AS u(step, ord)
                      JOIN labels l ON l.step = u.step),
           'patients', k.patients,
           'median_days', (SELECT array_agg(m.median ORDER BY m.i) FROM medians m WHERE m.steps = k.steps)
         ) ORDER BY k.patients DESC, k.steps)
         FROM ranked k), '[]'::json)
     ) AS result`,
    params,
  );
  const result = rows[0]?.result ?? { with_from: 0, with_pathway: 0, patterns: [] };
  return {
    patients: cohort === null ? null : cohort.length,
    withFrom: result.with_from,
    withPathway: result.with_pathway,
    patterns: result.patterns.map((pattern) => ({
      steps: (pattern.steps ?? []).map((step, index) => {
        const space = step.indexOf(' ');
        return {
          resourceType: step.slice(0, space),
          code: step.slice(space + 1),
          label: pattern.labels?.[index] ?? '',
        };
      }),
      patients: pattern.patients,
      medianDays: (pattern.median_days ?? []).map((days) => Math.round(days * 10) / 10),
    })),
  };
}

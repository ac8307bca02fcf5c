// The access policy editor's rows: the server's policy rows as editable values, the checks the
// server's schema and validator make (run before saving), and where the server's refusal belongs.
import { ApiError } from '@caregraph/core/client';
import type { Role } from '../admin-users/roles.ts';
import type { AccessPolicyRow, PatientReach } from './types.ts';

/** SMART v2 interaction letters in the order policies write them. */
export const INTERACTIONS = [
  { letter: 'c', label: 'Create' },
  { letter: 'r', label: 'Read' },
  { letter: 'u', label: 'Update' },
  { letter: 'd', label: 'Delete' },
  { letter: 's', label: 'Search' },
] as const;

export const PATIENT_REACHES: readonly { value: PatientReach; label: string }[] = [
  { value: 'any', label: 'Any patient' },
  { value: 'in-care', label: 'Patients in their care' },
  { value: 'own', label: 'Their own record' },
];

/** A row being edited: a stable key for React, the criteria as text (empty for none). */
export type PolicyDraft = {
  key: string;
  role: Role;
  resource: string;
  interactions: string;
  patients: PatientReach;
  criteria: string;
  breakGlass: boolean;
};

let nextKey = 0;
const newKey = () => `row-${(nextKey += 1)}`;

export function draftsOf(rows: readonly AccessPolicyRow[]): PolicyDraft[] {
  return rows.map((row) => ({
    key: newKey(),
    role: row.role,
    resource: row.resource,
    interactions: row.interactions,
    patients: row.patients,
    criteria: row.criteria ?? '',
    breakGlass: row.breakGlass,
  }));
}

export function newDraft(): PolicyDraft {
  return {
    key: newKey(),
    role: 'clinician',
    resource: '',
    interactions: 'rs',
    patients: 'in-care',
    criteria: '',
    breakGlass: false,
  };
}

/** Sets or clears one interaction letter, keeping the `cruds` order. */
export function withInteraction(interactions: string, letter: string, isOn: boolean): string {
  return INTERACTIONS.map((interaction) => interaction.letter)
    .filter((each) => (each === letter ? isOn : interactions.includes(each)))
    .join('');
}

export function toPolicyRows(drafts: readonly PolicyDraft[]): AccessPolicyRow[] {
  return drafts.map((draft) => ({
    role: draft.role,
    resource: draft.resource.trim(),
    interactions: draft.interactions,
    patients: draft.patients,
    ...(draft.criteria.trim() === '' ? {} : { criteria: draft.criteria.trim() }),
    breakGlass: draft.breakGlass,
  }));
}

const RESOURCE = /^(\*|[A-Z][A-Za-z]{0,63}|[a-z][a-z-]{0,63})$/;

/** Problems by row key: what the server's schema and its one-row-per-role-and-resource rule refuse. */
export function findPolicyProblems(drafts: readonly PolicyDraft[]): Map<string, string> {
  const problems = new Map<string, string>();
  const seen = new Set<string>();
  for (const draft of drafts) {
    const resource = draft.resource.trim();
    const key = `${draft.role} ${resource}`;
    if (!RESOURCE.test(resource)) {
      problems.set(draft.key, 'Name a FHIR resource type (Observation), * for all, or an API area (admin).');
    } else if (draft.interactions === '') {
      problems.set(draft.key, 'Allow at least one interaction, or remove the row.');
    } else if (seen.has(key)) {
      problems.set(draft.key, `${draft.role} already has a row for ${resource}.`);
    } else if (draft.criteria.trim().length > 500) {
      problems.set(draft.key, 'Criteria are at most 500 characters.');
    }
    seen.add(key);
  }
  // The server refuses a policy that leaves no role able to change it (no lock-out through the API).
  if (!drafts.some((draft) => draft.resource.trim() === 'admin' && draft.interactions.includes('u'))) {
    problems.set('', 'Keep a row that lets a role administer access (resource "admin" with Update).');
  }
  return problems;
}

/**
 * The server's refusal, and the row it names (`Row 3 (nurse Observation): …`) so the editor can
 * mark it; undefined row when it names none.
 */
export function placePolicyError(
  error: unknown,
  drafts: readonly PolicyDraft[],
): { rowKey: string | undefined; message: string } {
  if (!(error instanceof ApiError)) {
    return { rowKey: undefined, message: 'The policy could not be saved. Try again.' };
  }
  if (error.status === 403) {
    return { rowKey: undefined, message: 'Your role may not change access policies.' };
  }
  if (error.status === 0) {
    return { rowKey: undefined, message: error.message };
  }
  const index = Number(/^Row (\d+)/.exec(error.message)?.[1] ?? Number.NaN) - 1;
  return { rowKey: drafts[index]?.key, message: `The policy was not saved: ${error.message}` };
}

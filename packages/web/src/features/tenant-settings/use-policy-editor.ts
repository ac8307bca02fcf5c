import { useEffect, useState } from 'react';
import {
  draftsOf,
  findPolicyProblems,
  placePolicyError,
  toPolicyRows,
  type PolicyDraft,
} from './access-policy-form.ts';
import { useReplaceAccessPolicies } from './api.ts';
import type { AccessPolicyRow } from './types.ts';

/**
 * The editor's state over the stored policy: the rows being edited, whether they differ, the
 * problems found before saving or named by the server, and the saved notice.
 */
export function usePolicyEditor(stored: readonly AccessPolicyRow[] | undefined) {
  const replace = useReplaceAccessPolicies();
  const [drafts, setDrafts] = useState<PolicyDraft[]>([]);
  const [problems, setProblems] = useState<Map<string, string>>(new Map());
  const [serverProblem, setServerProblem] = useState<{ rowKey: string | undefined; message: string } | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [isDirty, setDirty] = useState(false);
  // The stored policy (first load, or the server's answer to a save) replaces the rows.
  useEffect(() => {
    if (stored) {
      setDrafts(draftsOf(stored));
      setDirty(false);
    }
  }, [stored]);

  const edit = (next: PolicyDraft[]) => {
    setDrafts(next);
    setDirty(true);
    setNotice(undefined);
  };
  const save = () => {
    const found = findPolicyProblems(drafts);
    setProblems(found);
    setServerProblem(undefined);
    if (found.size === 0) {
      replace.mutate(toPolicyRows(drafts), {
        onSuccess: () => setNotice('Access policy saved: it applies to the next request of every user.'),
        onError: (error) => setServerProblem(placePolicyError(error, drafts)),
      });
    }
  };
  const discard = () => {
    setDrafts(draftsOf(stored ?? []));
    setDirty(false);
    setProblems(new Map());
    setServerProblem(undefined);
  };
  return {
    drafts,
    edit,
    save,
    discard,
    notice,
    isDirty,
    isSaving: replace.isPending,
    /** The problem of one row, found here or named by the server. */
    rowProblem: (key: string) =>
      problems.get(key) ?? (serverProblem?.rowKey === key ? serverProblem.message : undefined),
    /** A problem of the policy as a whole. */
    formProblem:
      problems.get('') ?? (serverProblem && serverProblem.rowKey === undefined ? serverProblem.message : undefined),
    /** How many rows have a problem found before saving. */
    rowProblemCount: [...problems.keys()].filter((key) => key !== '').length,
  };
}

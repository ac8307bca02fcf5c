/**
 * The most rows a statement's array parameters may hold for it to run its generic plan
 * (`QueryOptions.genericPlan`). A generic plan is made without the arrays' lengths, for a few rows
 * each, and may pair two of them row by row (a nested loop over two lists): harmless for one
 * client's write, quadratic for an import's thousands of resources, which are planned for their sizes.
 */
export const GENERIC_PLAN_MAX_ROWS = 256;

/** Whether a statement over arrays of `rows` rows in all runs its generic plan. */
export function isGenericPlanSize(rows: number): boolean {
  return rows <= GENERIC_PLAN_MAX_ROWS;
}

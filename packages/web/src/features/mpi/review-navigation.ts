/**
 * The review `step` places away from `current` in the queue order, or undefined past either end.
 * A review that is not in the loaded queue (opened from a link) is before its first entry.
 */
export function neighbourReview(ids: readonly string[], current: string, step: 1 | -1): string | undefined {
  const index = ids.indexOf(current);
  if (index < 0) {
    return step === 1 ? ids[0] : undefined;
  }
  return ids[index + step];
}

/**
 * Which open review to show once `decided` is closed: the one after it in the queue, else the
 * first still open before it (skipped earlier), else undefined when the loaded queue holds no other.
 */
export function nextOpenReview(openIds: readonly string[], decided: string): string | undefined {
  const index = openIds.indexOf(decided);
  const after = index < 0 ? openIds : openIds.slice(index + 1);
  const before = index < 0 ? [] : openIds.slice(0, index);
  return [...after, ...before].find((id) => id !== decided);
}

/** "Review 3 of 12" (or "of 12+" while more pages can be loaded), or undefined outside the queue. */
export function queuePosition(ids: readonly string[], current: string, hasMore: boolean): string | undefined {
  const index = ids.indexOf(current);
  if (index < 0) {
    return undefined;
  }
  return `Review ${index + 1} of ${ids.length}${hasMore ? '+' : ''}`;
}

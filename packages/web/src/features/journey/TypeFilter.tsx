import type { JourneyNode } from '@caregraph/core/domain';
import { useMemo } from 'react';

type TypeFilterProps = {
  nodes: readonly JourneyNode[];
  hidden: ReadonlySet<string>;
  onChange: (hidden: ReadonlySet<string>) => void;
};

/** Checkboxes for the resource types in the journey, with how many of each. */
export function TypeFilter({ nodes, hidden, onChange }: TypeFilterProps) {
  const counts = useMemo(() => {
    const byType = new Map<string, number>();
    for (const node of nodes) {
      byType.set(node.resourceType, (byType.get(node.resourceType) ?? 0) + 1);
    }
    return [...byType.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }, [nodes]);
  const toggle = (type: string, shown: boolean) => {
    const next = new Set(hidden);
    if (shown) {
      next.delete(type);
    } else {
      next.add(type);
    }
    onChange(next);
  };
  return (
    <fieldset className="type-filter">
      <legend>Show</legend>
      {counts.map(([type, count]) => (
        <label key={type} className="checkbox">
          <input type="checkbox" checked={!hidden.has(type)} onChange={(event) => toggle(type, event.target.checked)} />
          {type} <span className="muted">({count})</span>
        </label>
      ))}
    </fieldset>
  );
}

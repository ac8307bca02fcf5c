import type { ReactNode } from 'react';

export type BadgeTone = 'ok' | 'warning' | 'error' | 'neutral';

/** A coloured label; a tone-specific symbol (drawn in CSS) means colour is never the only cue. */
export function StatusBadge({ tone, children }: { tone: BadgeTone; children: ReactNode }) {
  return <span className={`badge badge--${tone}`}>{children}</span>;
}

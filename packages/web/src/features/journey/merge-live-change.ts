import type { JourneyEdge, JourneyNode } from '@caregraph/core/domain';
import type { LoadedJourney } from './loaded-journey.ts';

/** A change pushed by the server while a journey is open. */
export type JourneyChange =
  { type: 'upsert'; node: JourneyNode; edges: JourneyEdge[] } | { type: 'delete'; ref: string };

/** Whether a WebSocket message is a journey change this view understands. */
export function isJourneyChange(message: unknown): message is JourneyChange {
  if (typeof message !== 'object' || message === null) {
    return false;
  }
  const record = message as Record<string, unknown>;
  if (record.type === 'delete') {
    return typeof record.ref === 'string';
  }
  return (
    record.type === 'upsert' && typeof record.node === 'object' && record.node !== null && Array.isArray(record.edges)
  );
}

/**
 * Applies a change to a loaded journey: the node replaces its old version (or is added in time
 * order), and the edges that touch it are replaced by the ones sent with it. A deletion leaves a
 * gap in the `next` chain until the journey is next read; the graph hides `next` edges by default.
 */
export function mergeLiveChange(journey: LoadedJourney, change: JourneyChange): LoadedJourney {
  const ref = change.type === 'delete' ? change.ref : change.node.ref;
  const nodes = journey.nodes.filter((node) => node.ref !== ref);
  const edges = journey.edges.filter((edge) => edge.from !== ref && edge.to !== ref);
  if (change.type === 'delete') {
    return { ...journey, nodes, edges };
  }
  const time = (node: JourneyNode) => (node.time ? new Date(node.time).getTime() : Number.POSITIVE_INFINITY);
  const at = nodes.findIndex((node) => time(node) > time(change.node));
  nodes.splice(at < 0 ? nodes.length : at, 0, change.node);
  const present = new Set(nodes.map((node) => node.ref));
  const added = change.edges.filter((edge) => present.has(edge.from) && present.has(edge.to));
  // The node took a place in the timeline: the `next` edge that used to jump over it is gone.
  const nextFrom = new Set(
    added.filter((edge) => edge.relation === 'next' && edge.to === ref).map((edge) => edge.from),
  );
  const nextTo = new Set(added.filter((edge) => edge.relation === 'next' && edge.from === ref).map((edge) => edge.to));
  const kept = edges.filter((edge) => edge.relation !== 'next' || (!nextFrom.has(edge.from) && !nextTo.has(edge.to)));
  return { ...journey, nodes, edges: [...kept, ...added] };
}

import type { JourneyEdge, JourneyNode } from '@caregraph/core/domain';

/** A patient's journey as loaded for the views; `truncated` when it had more than the views load. */
export type LoadedJourney = { nodes: JourneyNode[]; edges: JourneyEdge[]; truncated: boolean };

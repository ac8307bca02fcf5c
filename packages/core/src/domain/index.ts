export type { JourneyEdge, JourneyGraph, JourneyNode, JourneyPath } from './journey.ts';

// The journey projection: what each resource write contributes to its patients' journey graphs.
export {
  deriveContribution,
  journeyParamCodes,
  isJourneyResourceType,
  type JourneyContribution,
  type JourneyNode,
} from './derive-node.ts';
export { deriveLinks, relationOf, type JourneyLink, type Relation } from './edge-rules.ts';
export { extractJourneyRows } from './journey-rows.ts';
export { findReferences, parseRelativeReference, type FoundReference } from './references.ts';
export {
  deferJourneyWrites,
  flushJourneyWrites,
  writeJourney,
  writeJourneys,
  type JourneyWriteAfter,
} from './journey-batch.ts';
export { TENANT_LOCK_KEY, type JourneyWrite } from './write-journey.ts';

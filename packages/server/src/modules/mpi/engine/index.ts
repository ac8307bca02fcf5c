// The matching engine of the master patient index: pure functions over normalised patient demographics
// (no I/O). The MPI store, the dedupe command and the review screen use only what is exported here.
export { BLOCKING_VERSION, blockingKeys, isWideKey, WIDE_BLOCK_SIZE, WIDE_KEY_PREFIX } from './blocking.ts';
export { candidatePairChunks, candidatePairs, forEachCandidatePair } from './candidate-pairs.ts';
export type { BlockingSummary, CandidatePairOptions, CandidatePairs } from './candidate-pairs.ts';
export { clusterIndexedPairs, clusterRecords } from './cluster-records.ts';
export type { ClusterOptions, IndexedScoredPairs, ScoredPair } from './cluster-records.ts';
export { defaultModel, THRESHOLDS } from './model.ts';
export { sealIdentifier, type IdentifierHash } from './normalise-contact.ts';
export { toMatchRecord } from './normalise-patient.ts';
export { decide, scorePair, weighPair } from './score-pair.ts';
export { trainModel, trainModelFromStream } from './train-model.ts';
export type { RecordStream, TrainOptions } from './train-model.ts';
export type {
  Agreement,
  FieldComparison,
  FieldName,
  IdentifierDigests,
  MatchAddress,
  MatchGrade,
  MatchIdentifier,
  MatchModel,
  MatchRecord,
  PairScore,
} from './types.ts';

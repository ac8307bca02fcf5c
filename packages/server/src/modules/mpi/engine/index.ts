// The matching engine of the master patient index: pure functions over normalised patient demographics
// (no I/O). The MPI store, the dedupe command and the review screen use only what is exported here.
export { blockingKeys, candidatePairs } from './blocking.ts';
export type { CandidatePairs } from './blocking.ts';
export { clusterRecords } from './cluster-records.ts';
export type { ClusterOptions, ScoredPair } from './cluster-records.ts';
export { defaultModel, THRESHOLDS } from './model.ts';
export { toMatchRecord } from './normalise-patient.ts';
export { decide, scorePair } from './score-pair.ts';
export { trainModel } from './train-model.ts';
export type { TrainOptions } from './train-model.ts';
export type {
  Agreement,
  FieldComparison,
  FieldName,
  MatchAddress,
  MatchGrade,
  MatchIdentifier,
  MatchModel,
  MatchRecord,
  PairScore,
} from './types.ts';

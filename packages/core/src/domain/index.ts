export type { JourneyEdge, JourneyGraph, JourneyNode, JourneyPath } from './journey.ts';
export type {
  DedupeReport,
  FieldComparison,
  GoldenRecord,
  GoldenRecordMember,
  LinkOrigin,
  MatchGrade,
  ModelVersion,
  MpiSettings,
  PatientCard,
  ReviewDecision,
  ReviewDecisionKind,
  ReviewDetail,
  ReviewPage,
  ReviewStatusFilter,
  ReviewSummary,
  ScoreBand,
} from './mpi.ts';

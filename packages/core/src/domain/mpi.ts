/**
 * The master patient index API's shapes (`/api/mpi/…`) and the batch deduplication report: a stable
 * contract for the web app, the command line and integrators. Patient and Person ids are FHIR ids
 * on this server.
 */

/** How sure the matcher is that two records are the same patient (the FHIR `match-grade` codes). */
export type MatchGrade = 'certain' | 'probable' | 'possible' | 'certainly-not';

/** One side of a potential duplicate, as the review queue shows it. */
export type PatientCard = {
  id: string;
  /** The display name (`given family`); empty when the record has none. */
  name: string;
  birthDate?: string;
  sex?: string;
  /** Identifiers as `system|value`. */
  identifiers: string[];
  /** The first address on one line. */
  address?: string;
  phone?: string;
  email?: string;
  /** The source system the record came from; empty when unknown. */
  source: string;
};

/** How one field of two records compared, and how much that moved the match weight (log2 Bayes factor). */
export type FieldComparison = {
  field: string;
  level: string;
  agreement: 'agree' | 'partial' | 'disagree' | 'missing';
  weight: number;
  a?: string;
  b?: string;
};

/** Whether a review still waits for a decision. */
export type ReviewStatusFilter = 'open' | 'closed';

/** What a reviewer decided about two records. */
export type ReviewDecisionKind = 'link' | 'not-a-match' | 'merge';

/** A review task in the queue: two records the matcher could not decide on by itself. */
export type ReviewSummary = {
  /** The FHIR Task id. */
  id: string;
  status: ReviewStatusFilter;
  createdAt: string;
  /** The match probability (0..1) when the review was opened. */
  probability: number;
  grade: MatchGrade;
  a: PatientCard;
  b: PatientCard;
  /** Set once closed: the reviewer's decision, or `resolved` when later changes settled it. */
  decision?: ReviewDecisionKind | 'resolved';
  decidedBy?: string;
  decidedAt?: string;
};

/** A review with the field-by-field comparison behind its score, scored with the current model. */
export type ReviewDetail = ReviewSummary & { fields: FieldComparison[]; weight: number };

/** One page of the review queue; `next` is the cursor of the following page. */
export type ReviewPage = { items: ReviewSummary[]; next?: string };

/** The body of `POST /api/mpi/reviews/{id}/decision`; `survivor` names the record a merge keeps (default `a`). */
export type ReviewDecision = { decision: ReviewDecisionKind; survivor?: 'a' | 'b' };

/** How a patient came to belong to a golden record. */
export type LinkOrigin = 'auto' | 'manual' | 'merge';

/** A member of a golden record. */
export type GoldenRecordMember = PatientCard & {
  /** The FHIR `Person.link.assurance` level. */
  assurance: 'level1' | 'level2' | 'level3' | 'level4';
  probability: number;
  origin: LinkOrigin;
  /** Set when the record was merged into another member (`Patient.link` replaced-by). */
  replacedBy?: string;
};

/** A golden record: the FHIR Person and the patients it links. */
export type GoldenRecord = {
  person: Record<string, unknown> & { resourceType: 'Person'; id: string };
  members: GoldenRecordMember[];
};

/** One stored version of a tenant's matching model. */
export type ModelVersion = {
  version: number;
  trainedAt: string;
  active: boolean;
  thresholds: { upper: number; lower: number };
  /** How many records it was trained on; absent for the built-in default. */
  records?: number;
};

/** A tenant's master patient index settings. */
export type MpiSettings = {
  /** Source systems from most to least trusted, for golden-record survivorship; unlisted sources rank last. */
  sourceTrust: string[];
};

/** Candidate pairs whose match probability falls in `[min, max)` (the top band includes 1). */
export type ScoreBand = {
  min: number;
  max: number;
  pairs: number;
  /** Expected true matches among them: the sum of their probabilities. */
  expectedMatches: number;
};

/** What a batch deduplication of a tenant found and did. */
export type DedupeReport = {
  runId: string;
  /** Patients indexed. */
  records: number;
  /** Distinct pairs the blocking rules proposed and the model scored. */
  candidatePairs: number;
  /** Blocking keys skipped because too many records shared them. */
  oversizedBlocks: number;
  /** Golden records, and how many of them link more than one patient. */
  clusters: number;
  multiRecordClusters: number;
  bands: ScoreBand[];
  /** Pairs at or above the upper threshold (linked) and between the thresholds (review). */
  linkedPairs: number;
  reviewPairs: number;
  /**
   * Model estimates: precision = expected true matches among linked pairs / linked pairs; recall =
   * expected true matches among linked pairs / expected true matches among all candidate pairs.
   */
  estimatedPrecision: number;
  estimatedRecall: number;
  modelVersion: number;
  seconds: number;
  /** Whether this call continued a run that had been interrupted. */
  resumed: boolean;
};

-- The master patient index: normalised demographics and blocking keys of every Patient, the
-- tenant's matching models, reviewers' decisions, golden-record membership, merges (with what
-- unmerge needs) and batch deduplication runs. Golden records themselves are FHIR Person
-- resources and review tasks FHIR Task resources, stored like any other resource.

-- Each Patient's demographics as the matching engine normalised them (its MatchRecord).
CREATE TABLE mpi_record (
  tenant_id text NOT NULL,
  patient_id text NOT NULL,
  record jsonb NOT NULL,
  source text NOT NULL,
  -- The blocking keys the record is filed under in mpi_block_key, so they can be removed by key.
  block_keys text[] NOT NULL,
  -- Hash of what matching and survivorship read from the Patient: an update that changes neither
  -- (say, only Patient.link) is not matched again.
  content_hash text NOT NULL,
  -- The patient this one was merged into ($merge): it keeps its record but is no longer a candidate.
  merged_into text,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, patient_id)
);

-- The union of the engine's blocking rules: records sharing a key are candidate pairs.
CREATE TABLE mpi_block_key (
  tenant_id text NOT NULL,
  key text NOT NULL,
  patient_id text NOT NULL,
  PRIMARY KEY (tenant_id, key, patient_id)
);

-- One row per blocking key, locked (in key order) by a writer filing a record under the key until it
-- commits: a concurrent writer sharing the key waits, then finds that record among its candidates, so
-- two registrations of one person arriving together still meet. Row locks are kept in the rows, not in
-- the server's shared lock table, so one transaction filing thousands of patients (a Bundle, an
-- import) can hold them all.
CREATE TABLE mpi_block_lock (
  tenant_id text NOT NULL,
  key text NOT NULL,
  PRIMARY KEY (tenant_id, key)
);

-- Trained matching models; retraining adds a version, rollback re-activates an older one.
CREATE TABLE mpi_model (
  tenant_id text NOT NULL,
  version integer NOT NULL,
  model jsonb NOT NULL,
  trained_at timestamptz NOT NULL,
  active boolean NOT NULL DEFAULT false,
  PRIMARY KEY (tenant_id, version)
);
CREATE UNIQUE INDEX mpi_model_active ON mpi_model (tenant_id) WHERE active;

-- Reviewers' decisions on a pair (patient_a < patient_b). Automatic matching reads them and never
-- writes them; a later manual decision on the same pair replaces the earlier one.
CREATE TABLE mpi_decision (
  tenant_id text NOT NULL,
  patient_a text NOT NULL,
  patient_b text NOT NULL,
  decision text NOT NULL CHECK (decision IN ('link', 'not-a-match', 'unlink')),
  decided_by text NOT NULL,
  decided_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, patient_a, patient_b),
  CHECK (patient_a < patient_b)
);
CREATE INDEX mpi_decision_b ON mpi_decision (tenant_id, patient_b);

-- Golden-record membership: each matched Patient belongs to exactly one Person.
CREATE TABLE mpi_link (
  tenant_id text NOT NULL,
  patient_id text NOT NULL,
  person_id text NOT NULL,
  probability double precision NOT NULL,
  assurance text NOT NULL CHECK (assurance IN ('level1', 'level2', 'level3', 'level4')),
  origin text NOT NULL CHECK (origin IN ('auto', 'manual', 'merge')),
  PRIMARY KEY (tenant_id, patient_id)
);
CREATE INDEX mpi_link_person ON mpi_link (tenant_id, person_id);

-- Review tasks (FHIR Task) by pair, for the review queue and to open one task per pair.
CREATE TABLE mpi_review (
  tenant_id text NOT NULL,
  task_id text NOT NULL,
  patient_a text NOT NULL,
  patient_b text NOT NULL,
  probability double precision NOT NULL,
  grade text NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'closed')),
  decision text,
  decided_by text,
  created_at timestamptz NOT NULL,
  decided_at timestamptz,
  PRIMARY KEY (tenant_id, task_id)
);
CREATE UNIQUE INDEX mpi_review_open_pair ON mpi_review (tenant_id, LEAST(patient_a, patient_b), GREATEST(patient_a, patient_b))
  WHERE status = 'open';
CREATE INDEX mpi_review_queue ON mpi_review (tenant_id, status, created_at, task_id);
CREATE INDEX mpi_review_a ON mpi_review (tenant_id, patient_a) WHERE status = 'open';
CREATE INDEX mpi_review_b ON mpi_review (tenant_id, patient_b) WHERE status = 'open';

-- Merges, with every resource version they wrote and the version before it, so unmerge restores
-- exactly what was there.
CREATE TABLE mpi_merge (
  tenant_id text NOT NULL,
  id text NOT NULL,
  source_patient text NOT NULL,
  target_patient text NOT NULL,
  undo jsonb NOT NULL,
  merged_by text NOT NULL,
  merged_at timestamptz NOT NULL,
  unmerged_by text,
  unmerged_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX mpi_merge_active_source ON mpi_merge (tenant_id, source_patient) WHERE unmerged_at IS NULL;
CREATE INDEX mpi_merge_target ON mpi_merge (tenant_id, target_patient);

-- Per-tenant settings: the source systems in trust order, for golden-record survivorship.
CREATE TABLE mpi_setting (
  tenant_id text PRIMARY KEY,
  source_trust text[] NOT NULL DEFAULT '{}'
);

-- Batch deduplication runs: the phase and cursor after the last committed batch, so a killed run
-- resumes there; the report once done.
CREATE TABLE mpi_dedupe_run (
  tenant_id text NOT NULL,
  id text NOT NULL,
  state text NOT NULL CHECK (state IN ('running', 'completed')),
  progress jsonb NOT NULL,
  report jsonb,
  started_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX mpi_dedupe_run_running ON mpi_dedupe_run (tenant_id) WHERE state = 'running';

-- A run's scored candidate pairs at or above the review threshold (a < b), for clustering.
CREATE TABLE mpi_dedupe_pair (
  tenant_id text NOT NULL,
  run_id text NOT NULL,
  patient_a text NOT NULL,
  patient_b text NOT NULL,
  probability double precision NOT NULL,
  weight double precision NOT NULL,
  grade text NOT NULL,
  PRIMARY KEY (tenant_id, run_id, patient_a, patient_b)
);

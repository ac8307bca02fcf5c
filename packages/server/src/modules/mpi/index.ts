import type { FastifyInstance } from 'fastify';
import { registerMpiRoutes } from './routes.ts';

export { dedupeTenant, type DedupeOptions, type DedupeProgress } from './dedupe-tenant.ts';
export { MPI_ERRORS, MpiError, type MpiErrorCode } from './errors.ts';
export { findMatches, type FindMatchesOptions, type PatientMatch } from './find-matches.ts';
export { GOLDEN_RECORD_TAG, SURVIVORSHIP_RULES } from './golden-record.ts';
export { indexAllPatients } from './index-patients.ts';
export { matchPatientWrite, type PatientWrite } from './match-patient.ts';
export { lockPatientWrites } from './patient-write-lock.ts';
export { mergePatients, type MergeOptions, type MergeOutcome, type TransactionRepo } from './merge-patients.ts';
export { listModelVersions, loadActiveModel } from './model-store.ts';
export { MATCH_GRADE_EXTENSION, runMpiOperation } from './operations/run-operation.ts';
export { isMpiOperation, MPI_OPERATIONS } from './operations/definitions.ts';
export { readGoldenRecord } from './read-golden-record.ts';
export { MPI_TASK_SYSTEM, POTENTIAL_DUPLICATE } from './review-tasks.ts';
export { decideReview, listReviews, readReviewDetail } from './reviews.ts';
export { readSettings, writeSettings } from './settings.ts';
export { activateModel, trainTenantModel, type TrainTenantOptions } from './train-model.ts';
export { unmergePatients, type UnmergeOptions, type UnmergeOutcome } from './unmerge-patients.ts';

/**
 * The master patient index API (`/api/mpi`): the review queue and its decisions, golden records,
 * model training and rollback, and settings. Authenticated like the FHIR API; errors are
 * `application/problem+json`. Matching itself runs inside the FHIR store's Patient writes, and the
 * `$match`, `$merge` and `$unmerge` operations are answered by the FHIR router.
 */
export async function mpiPlugin(app: FastifyInstance, options: { baseUrl: string }) {
  app.addHook('onRequest', async (request) => app.authenticate(request));
  registerMpiRoutes(app, options);
}

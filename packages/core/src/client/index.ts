export { ApiError, describeErrorBody } from './api-error.ts';
export {
  createResource,
  outcomeIssuesOf,
  readResource,
  searchNextPage,
  searchResources,
  type OutcomeIssueSummary,
  type SearchPage,
} from './fhir.ts';
export {
  buildUrl,
  createHttpClient,
  type ClientOptions,
  type HttpClient,
  type QueryParams,
  type SendMethod,
  type SendOptions,
} from './http-client.ts';
export { findJourneyPaths, getJourney, journeyLiveUrl, type JourneyFilters, type JourneyPaths } from './journey.ts';
export {
  activateModelVersion,
  decideReview,
  getGoldenRecord,
  getMpiSettings,
  getReview,
  listModelVersions,
  listReviews,
  trainMatchModel,
  updateMpiSettings,
} from './mpi.ts';
export { suggestConcepts, type ConceptMatch, type ConceptQuery, type ConceptSuggestion } from './terminology.ts';

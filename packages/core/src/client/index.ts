export { ApiError, describeErrorBody } from './api-error.ts';
export { buildUrl, createHttpClient, type ClientOptions, type HttpClient, type QueryParams } from './http-client.ts';
export { findJourneyPaths, getJourney, journeyLiveUrl, type JourneyFilters, type JourneyPaths } from './journey.ts';

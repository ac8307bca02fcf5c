import {
  badRequest,
  outcome,
  OutcomeError,
  statusOf,
  toOutcome,
  type BundleEntry,
  type OperationOutcome,
  type OperationOutcomeIssue,
  type Resource,
} from '@caregraph/core/fhir';
import type { FhirRequest, FhirResponse } from '../interactions/types.ts';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** Turns a Bundle entry's `request` (and resource) into the request the router understands. */
export function toFhirRequest(entry: BundleEntry, index: number): FhirRequest {
  const request = entry.request;
  if (!request?.method || !METHODS.has(request.method) || typeof request.url !== 'string' || request.url === '') {
    throw new OutcomeError(
      badRequest('A Bundle entry needs request.method and request.url', `Bundle.entry[${index}].request`),
    );
  }
  const url = request.url.replace(/^\//, '');
  const question = url.indexOf('?');
  const path = question < 0 ? url : url.slice(0, question);
  const query = question < 0 ? [] : [...new URLSearchParams(url.slice(question + 1)).entries()];
  let body: unknown = entry.resource;
  if (request.method === 'PATCH' && entry.resource?.resourceType === 'Binary') {
    // FHIR carries a JSON Patch inside a Bundle as a Binary with base64 data (R4 §3.1.0.7.1).
    const data = (entry.resource as { data?: string }).data ?? '';
    try {
      body = JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
    } catch {
      throw new OutcomeError(
        badRequest('The Binary does not hold a JSON Patch', `Bundle.entry[${index}].resource.data`),
      );
    }
  }
  return {
    method: request.method,
    path,
    query,
    body,
    ifMatch: request.ifMatch,
    ifNoneMatch: request.ifNoneMatch,
    ifNoneExist: request.ifNoneExist,
  };
}

/**
 * Rewrites one issue expression relative to the Bundle: an element of the entry's resource
 * (`Patient.name`, `resourceType`) moves under `Bundle.entry[4].resource`; anything else names a
 * search parameter of the entry's request URL or conditional header, so it points at the request.
 */
function locateExpression(path: string, index: number): string {
  if (path.startsWith('Bundle.')) {
    return path;
  }
  const entry = `Bundle.entry[${index}]`;
  if (path === 'resourceType') {
    return `${entry}.resource.resourceType`;
  }
  const element = /^[A-Z][A-Za-z]+((?:[.[].*)?)$/.exec(path);
  return element ? `${entry}.resource${element[1] ?? ''}` : `${entry}.request`;
}

/** Points an outcome's issues at the entry they came from: `Patient.name` → `Bundle.entry[4].resource.name`. */
export function locateIssues(value: OperationOutcome, index: number): OperationOutcome {
  const issue = (value.issue ?? []).map((item): OperationOutcomeIssue => ({
    ...item,
    details: { text: `Bundle entry ${index}: ${item.details?.text ?? item.code}` },
    ...(item.expression ? { expression: item.expression.map((path) => locateExpression(path, index)) } : {}),
  }));
  return outcome(statusOf(value), issue);
}

/** Rethrows anything thrown while handling entry `index` as an OutcomeError located at that entry. */
export function locatedError(error: unknown, index: number): OutcomeError {
  return new OutcomeError(locateIssues(toOutcome(error), index));
}

/** The `response` element of a transaction/batch-response entry. */
export function toResponseEntry(response: FhirResponse, baseUrl: string, includeResource: boolean): BundleEntry {
  const entry: BundleEntry = { response: { status: String(response.status) } };
  if (response.location && entry.response) {
    entry.response.location = response.location;
    entry.fullUrl = `${baseUrl}/${response.location.replace(/\/_history\/.*$/, '')}`;
  }
  if (response.versionId !== undefined && entry.response) {
    entry.response.etag = `W/"${response.versionId}"`;
  }
  if (response.lastUpdated && entry.response) {
    entry.response.lastModified = response.lastUpdated.toISOString();
  }
  if (includeResource && response.body !== undefined) {
    entry.resource = typeof response.body === 'string' ? (JSON.parse(response.body) as Resource) : response.body;
  }
  return entry;
}

/** A failed batch entry: its status and outcome. */
export function toErrorEntry(error: unknown, index: number): BundleEntry {
  const value = locateIssues(toOutcome(error), index);
  return { response: { status: String(statusOf(value)), outcome: value } };
}

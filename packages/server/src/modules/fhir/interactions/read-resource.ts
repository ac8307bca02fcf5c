import { badRequest, gone, notFound, OutcomeError } from '@caregraph/core/fhir';
import { tryReadCurrentText, tryReadVersion } from '../store/resource-rows.ts';
import { readContext, type FhirRepo, type FhirResponse } from './types.ts';

/** Reads the current version as JSON text straight from storage: 404 when absent, 410 when deleted. */
export async function readResource(repo: FhirRepo, resourceType: string, id: string): Promise<FhirResponse> {
  const current = await tryReadCurrentText(readContext(repo), resourceType, id);
  if (!current) {
    throw new OutcomeError(notFound(`${resourceType}/${id} not found`));
  }
  if (current.deleted || current.text === null) {
    throw new OutcomeError(gone(`${resourceType}/${id} was deleted`));
  }
  return { status: 200, body: current.text, versionId: current.versionId, lastUpdated: current.lastUpdated };
}

/** Reads one version (vread): 404 when it never existed, 410 when that version is a deletion. */
export async function readVersion(repo: FhirRepo, resourceType: string, id: string, versionText: string) {
  if (!/^\d{1,18}$/.test(versionText)) {
    throw new OutcomeError(badRequest(`Invalid version id "${versionText}"`));
  }
  const version = await tryReadVersion(readContext(repo), resourceType, id, Number(versionText));
  if (!version) {
    throw new OutcomeError(notFound(`${resourceType}/${id}/_history/${versionText} not found`));
  }
  if (version.deleted || !version.content) {
    throw new OutcomeError(gone(`${resourceType}/${id}/_history/${versionText} is a deletion`));
  }
  const response: FhirResponse = {
    status: 200,
    body: version.content as never,
    versionId: version.versionId,
    lastUpdated: version.lastUpdated,
  };
  return response;
}

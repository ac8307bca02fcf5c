import type { Bundle, Identifier, Parameters, ParametersParameter, Patient } from '@medplum/fhirtypes';
import { badRequest, conflict, notAllowed, notFound, OutcomeError, type OperationOutcome } from '@caregraph/core/fhir';
import { handleFhirRequest, type FhirRepo, type FhirResponse } from '../../fhir/index.ts';
import { inTransaction, readContext } from '../../fhir/interactions/types.ts';
import { findMatches } from '../find-matches.ts';
import { mergePatients, type TransactionRepo } from '../merge-patients.ts';
import { unmergePatients } from '../unmerge-patients.ts';
import { MPI_OPERATIONS, type MpiOperationName } from './definitions.ts';
import { parseOperationInputs, patientIdOf, type OperationInputs } from './parameters.ts';

/** The FHIR extension grading a `$match` entry (http://hl7.org/fhir/R4/extension-match-grade.html). */
export const MATCH_GRADE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/match-grade';

const DEFAULT_MATCH_COUNT = 10;
const MAX_MATCH_COUNT = 100;
/** Who the FHIR operations act as in the index's records (the FHIR API carries no user yet). */
const FHIR_ACTOR = 'fhir-api';

/** Runs `$match`, `$merge` or `$unmerge` on Patient; POST only. */
export async function runMpiOperation(
  repo: FhirRepo,
  request: { operation: string; method: string; body: unknown },
): Promise<FhirResponse> {
  const declaration = MPI_OPERATIONS.find((declared) => `$${declared.name}` === request.operation);
  if (!declaration) {
    throw new OutcomeError(notFound(`No operation ${request.operation} on Patient`));
  }
  if (request.method !== 'POST') {
    throw new OutcomeError(notAllowed(`Patient/${request.operation} takes a POSTed Parameters resource`));
  }
  const inputs = parseOperationInputs(declaration, request.body);
  const run: Record<MpiOperationName, () => Promise<FhirResponse>> = {
    match: () => matchOperation(repo, inputs),
    merge: () => mergeOperation(repo, inputs, request.body as Parameters),
    unmerge: () => unmergeOperation(repo, inputs),
  };
  return run[declaration.name]();
}

async function matchOperation(repo: FhirRepo, inputs: OperationInputs): Promise<FhirResponse> {
  const [patient] = inputs.get('resource', 'Patient');
  if (!patient) {
    throw new OutcomeError(
      badRequest('$match needs the resource parameter: the Patient to match', 'Parameters.parameter'),
    );
  }
  const count = inputs.get('count', 'integer')[0] ?? DEFAULT_MATCH_COUNT;
  if (count < 1) {
    throw new OutcomeError(badRequest('count must be at least 1', 'Parameters.parameter'));
  }
  const matches = await findMatches(readContext(repo), {
    patient,
    onlyCertain: inputs.get('onlyCertainMatches', 'boolean')[0] ?? false,
    count: Math.min(count, MAX_MATCH_COUNT),
  });
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    total: matches.length,
    entry: matches.map((match) => ({
      fullUrl: `${repo.baseUrl}/Patient/${match.patient.id}`,
      resource: match.patient,
      search: {
        mode: 'match',
        score: Number(match.score.probability.toFixed(6)),
        extension: [{ url: MATCH_GRADE_EXTENSION, valueCode: match.score.grade }],
      },
    })),
  };
  return { status: 200, body: bundle };
}

/** A Patient id from a reference, or from identifiers that must match exactly one Patient. */
async function resolvePatient(repo: FhirRepo, inputs: OperationInputs, role: 'source' | 'target'): Promise<string> {
  const [reference] = inputs.get(`${role}-patient`, 'Reference');
  const identifiers = inputs.get(`${role}-patient-identifier`, 'Identifier');
  if (reference) {
    return patientIdOf(reference, repo.baseUrl, 'Parameters.parameter');
  }
  if (identifiers.length === 0) {
    throw new OutcomeError(
      badRequest(`$merge needs ${role}-patient or ${role}-patient-identifier`, 'Parameters.parameter'),
    );
  }
  const query = identifiers.map((identifier: Identifier): [string, string] => [
    'identifier',
    identifier.system ? `${identifier.system}|${identifier.value ?? ''}` : (identifier.value ?? ''),
  ]);
  const response = await handleFhirRequest(repo, {
    method: 'GET',
    path: 'Patient',
    query: [...query, ['_elements', 'id']],
  });
  const bundle = (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as Bundle;
  const ids = (bundle.entry ?? []).filter((entry) => entry.search?.mode === 'match').map((entry) => entry.resource?.id);
  if (ids.length !== 1 || !ids[0]) {
    throw new OutcomeError(
      ids.length === 0
        ? notFound(`No Patient has the ${role}-patient-identifier`)
        : conflict(`${ids.length} Patients have the ${role}-patient-identifier; it must identify one`),
    );
  }
  return ids[0];
}

function informational(text: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'information', code: 'informational', details: { text } }],
  };
}

async function mergeOperation(repo: FhirRepo, inputs: OperationInputs, input: Parameters): Promise<FhirResponse> {
  return inTransaction(repo, async (ctx) => {
    const transactionRepo: TransactionRepo = { ...repo, tx: ctx.tx };
    const source = await resolvePatient(transactionRepo, inputs, 'source');
    const target = await resolvePatient(transactionRepo, inputs, 'target');
    const resultPatient: Patient | undefined = inputs.get('result-patient', 'Patient')[0];
    const outcome = await mergePatients(transactionRepo, {
      source,
      target,
      resultPatient,
      preview: inputs.get('preview', 'boolean')[0] ?? false,
      actor: FHIR_ACTOR,
    });
    const verb = outcome.preview ? 'would refer' : 'now refer';
    const parameter: ParametersParameter[] = [
      { name: 'input', resource: input },
      {
        name: 'outcome',
        resource: informational(
          `${outcome.preview ? 'Preview: merging' : 'Merged'} Patient/${source} into Patient/${target}; ${outcome.moved.length} resources ${verb} to the target`,
        ),
      },
      { name: 'result', resource: outcome.target },
    ];
    if (outcome.mergeId) {
      parameter.push({ name: 'merge', valueString: outcome.mergeId });
    }
    return { status: 200, body: { resourceType: 'Parameters', parameter } };
  });
}

async function unmergeOperation(repo: FhirRepo, inputs: OperationInputs): Promise<FhirResponse> {
  const mergeId = inputs.get('merge', 'string')[0];
  const [sourceReference] = inputs.get('source-patient', 'Reference');
  const [targetReference] = inputs.get('target-patient', 'Reference');
  if (!mergeId && !sourceReference) {
    throw new OutcomeError(badRequest('$unmerge needs merge or source-patient', 'Parameters.parameter'));
  }
  return inTransaction(repo, async (ctx) => {
    const outcome = await unmergePatients(
      { ...repo, tx: ctx.tx },
      {
        mergeId,
        source: sourceReference ? patientIdOf(sourceReference, repo.baseUrl, 'Parameters.parameter') : undefined,
        target: targetReference ? patientIdOf(targetReference, repo.baseUrl, 'Parameters.parameter') : undefined,
        actor: FHIR_ACTOR,
      },
    );
    const parameter: ParametersParameter[] = [
      {
        name: 'outcome',
        resource: informational(
          `Unmerged Patient/${outcome.source} from Patient/${outcome.target}; ${outcome.restored.length} resources restored`,
        ),
      },
      { name: 'merge', valueString: outcome.mergeId },
      ...outcome.restored.map((entry): ParametersParameter => ({
        name: 'restored',
        valueReference: { reference: `${entry.resourceType}/${entry.id}` },
      })),
    ];
    return { status: 200, body: { resourceType: 'Parameters', parameter } };
  });
}

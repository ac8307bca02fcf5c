import { normalizeString } from '@caregraph/core';
import {
  badRequest,
  OutcomeError,
  type CodeableConcept,
  type CodeSystem,
  type Coding,
  type Parameters,
  type ValueSet,
} from '@caregraph/core/fhir';
import type { StoredConcept } from '../store/index.ts';
import {
  findConcept,
  resolveCodeSystemInstance,
  sourceOfCodeSystem,
  tryResolveCodeSystem,
  unknownSystemMessage,
  type ConceptSource,
} from './code-systems.ts';
import { codingOf } from './codings.ts';
import type { TerminologyContext } from './context.ts';
import { expandValueSet } from './expansion.ts';
import { toParameters, type OperationInput } from './parameters.ts';
import { valueSetFromInput } from './value-sets.ts';

/** The verdict on one coding: valid or not, why (or what to beware of), and the display to show. */
export type CodingCheck = { valid: boolean; message?: string; display?: string };

const codeOf = (coding: Coding) => `${coding.system ?? ''}#${coding.code ?? ''}`;

/**
 * A warning when `display` is neither the concept's display nor one of its designations (folded
 * case and accents). R4 leaves display checks to the server and says a message sent with
 * result = true "carries hints and warnings" (OperationDefinition ValueSet-validate-code, output
 * `message`), so a wrong display does not make a valid code invalid; HAPI FHIR answers the same way.
 */
function displayWarning(concept: StoredConcept, coding: Coding, display: string | undefined): string | undefined {
  if (display === undefined) {
    return undefined;
  }
  const wanted = normalizeString(display);
  const known = [concept.display, ...concept.designations.map((designation) => designation.value)];
  if (known.some((value) => value !== null && normalizeString(value) === wanted)) {
    return undefined;
  }
  return `Display "${display}" does not match ${codeOf(coding)}, whose display is "${concept.display ?? concept.code}"`;
}

/** Checks one coding against a code system: known code, active, display. */
async function checkInCodeSystem(
  ctx: TerminologyContext,
  source: ConceptSource,
  coding: Coding & { code: string },
  display: string | undefined,
): Promise<CodingCheck> {
  const concept = await findConcept(ctx, source, coding.code);
  if (!concept) {
    return { valid: false, message: `Unknown code "${coding.code}" in ${source.url}` };
  }
  const warnings = [
    concept.active ? undefined : `${codeOf(coding)} is inactive`,
    displayWarning(concept, coding, display),
  ].filter((warning): warning is string => warning !== undefined);
  return {
    valid: true,
    ...(warnings.length > 0 ? { message: warnings.join('; ') } : {}),
    ...(concept.display ? { display: concept.display } : {}),
  };
}

/**
 * Checks one coding against a value set: whether the value set contains it (a membership query
 * restricted to that code, so large value sets are never expanded), else why not.
 */
export async function checkInValueSet(
  ctx: TerminologyContext,
  valueSet: ValueSet,
  coding: Coding & { code: string; system: string },
  display: string | undefined,
): Promise<CodingCheck> {
  const page = await expandValueSet(ctx, valueSet, {
    restriction: { codes: new Map([[coding.system, [coding.code]]]) },
    offset: 0,
    count: 1,
  });
  const member = page.members[0];
  const source = await tryResolveCodeSystem(
    ctx,
    coding.system,
    member ? (member.version ?? undefined) : coding.version,
  );
  const concept = source ? await findConcept(ctx, source, coding.code) : undefined;
  const named = valueSet.url ?? 'the value set';
  if (!member) {
    const reason = !source
      ? unknownSystemMessage(coding.system, coding.version)
      : !concept
        ? `Unknown code "${coding.code}" in ${coding.system}`
        : `${codeOf(coding)}${concept.active ? '' : ' (inactive)'} is not in ${named}`;
    return { valid: false, message: reason };
  }
  const warnings = [
    coding.version && member.version && coding.version !== member.version
      ? `${named} holds ${codeOf(coding)} of version ${member.version}, not ${coding.version}`
      : undefined,
    member.active ? undefined : `${codeOf(coding)} is inactive`,
    concept ? displayWarning(concept, coding, display) : undefined,
  ].filter((warning): warning is string => warning !== undefined);
  return {
    valid: true,
    ...(warnings.length > 0 ? { message: warnings.join('; ') } : {}),
    ...(member.display ? { display: member.display } : {}),
  };
}

/** The `result`/`message`/`display` answer: valid when any coding is, with the messages that explain it. */
function verdict(checks: CodingCheck[]): Parameters {
  const valid = checks.find((check) => check.valid);
  const messages = (valid ? [valid] : checks).flatMap((check) => (check.message ? [check.message] : []));
  return toParameters([
    { name: 'result', valueBoolean: valid !== undefined },
    ...(messages.length > 0 ? [{ name: 'message', valueString: messages.join('; ') }] : []),
    ...(valid?.display ? [{ name: 'display', valueString: valid.display }] : []),
  ]);
}

/** The codings to check: `code`/`coding` or `codeableConcept`, exactly one of them. */
function codingsOf(
  input: OperationInput,
  names: { system?: string; version: string },
): { codings: Coding[]; codeableConcept?: CodeableConcept } {
  const coding = codingOf(input, { code: 'code', coding: 'coding', ...names });
  const codeableConcept = input.codeableConcept('codeableConcept');
  if ((coding === undefined) === (codeableConcept === undefined)) {
    throw new OutcomeError(badRequest('Give one of code, coding or codeableConcept', 'code'));
  }
  return coding ? { codings: [coding] } : { codings: codeableConcept?.coding ?? [], codeableConcept };
}

function withCode(coding: Coding, where: string): Coding & { code: string } {
  if (!coding.code) {
    throw new OutcomeError(badRequest('Every coding needs a code', where));
  }
  return { ...coding, code: coding.code };
}

/**
 * `CodeSystem/$validate-code` and `CodeSystem/{id}/$validate-code`: whether a code is in a code
 * system (the instance, `url`, or a `codeSystem` sent along). An unknown code or system is
 * result = false with a message, not an error.
 */
export async function validateCodeInCodeSystemOperation(
  ctx: TerminologyContext,
  input: OperationInput,
  instanceId?: string,
): Promise<Parameters> {
  const { codings, codeableConcept } = codingsOf(input, { version: 'version' });
  const inline = input.resource('codeSystem') as CodeSystem | undefined;
  const url = input.text('url') ?? inline?.url ?? (codeableConcept ? undefined : codings[0]?.system);
  let source: ConceptSource | undefined;
  if (instanceId !== undefined) {
    source = await resolveCodeSystemInstance(ctx, instanceId);
  } else if (inline) {
    source = sourceOfCodeSystem(inline);
  } else if (url !== undefined) {
    source = await tryResolveCodeSystem(ctx, url, input.text('version') ?? codings[0]?.version);
  } else {
    throw new OutcomeError(badRequest('url is required', 'url'));
  }
  if (!source) {
    return verdict([{ valid: false, message: unknownSystemMessage(url ?? '', input.text('version')) }]);
  }
  const system = source.url;
  const relevant = codings.filter((coding) => !coding.system || coding.system === system);
  if (!codeableConcept && relevant.length === 0) {
    throw new OutcomeError(badRequest(`coding.system is not ${system}`, 'coding.system'));
  }
  const display = input.text('display');
  const checks: CodingCheck[] = [];
  for (const coding of relevant) {
    checks.push(await checkInCodeSystem(ctx, source, withCode(coding, 'coding'), display ?? coding.display));
  }
  return verdict(checks.length > 0 ? checks : [{ valid: false, message: `No coding of ${system} was given` }]);
}

/**
 * `ValueSet/$validate-code` and `ValueSet/{id}/$validate-code`: whether a code (or any coding of a
 * CodeableConcept) is in a value set, with the value set's display for it.
 */
export async function validateCodeInValueSetOperation(
  ctx: TerminologyContext,
  input: OperationInput,
  instanceId?: string,
): Promise<Parameters> {
  const valueSet = await valueSetFromInput(ctx, input, instanceId);
  const { codings } = codingsOf(input, { system: 'system', version: 'systemVersion' });
  const display = input.text('display');
  const checks: CodingCheck[] = [];
  for (const coding of codings) {
    if (!coding.system) {
      throw new OutcomeError(badRequest('system is required with code', input.has('code') ? 'system' : 'coding'));
    }
    const checked = { ...withCode(coding, 'coding'), system: coding.system };
    checks.push(await checkInValueSet(ctx, valueSet, checked, display ?? coding.display));
  }
  return verdict(checks.length > 0 ? checks : [{ valid: false, message: 'The codeableConcept has no coding' }]);
}

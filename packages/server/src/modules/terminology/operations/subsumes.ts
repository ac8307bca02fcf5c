import { badRequest, OutcomeError, type Coding, type Parameters } from '@caregraph/core/fhir';
import {
  findConcept,
  isSameOrBelow,
  notFoundAt,
  resolveCodeSystem,
  resolveCodeSystemInstance,
  type ConceptSource,
} from './code-systems.ts';
import { requireCoding } from './codings.ts';
import type { TerminologyContext } from './context.ts';
import { toParameters, type OperationInput } from './parameters.ts';

/** The outcomes of `$subsumes` (value set concept-subsumption-outcome). */
export type SubsumptionOutcome = 'equivalent' | 'subsumes' | 'subsumed-by' | 'not-subsumed';

/** How A relates to B in the code system's is-a hierarchy. */
export async function testSubsumption(
  ctx: TerminologyContext,
  source: ConceptSource,
  codeA: string,
  codeB: string,
): Promise<SubsumptionOutcome> {
  if (codeA === codeB) {
    return 'equivalent';
  }
  if (await isSameOrBelow(ctx, source, codeA, codeB)) {
    return 'subsumes';
  }
  return (await isSameOrBelow(ctx, source, codeB, codeA)) ? 'subsumed-by' : 'not-subsumed';
}

/**
 * `CodeSystem/$subsumes` and `CodeSystem/{id}/$subsumes`. Both codes must be in the code system
 * (a 404 names the one that is not): R4 asks for an error when the relationship cannot be determined.
 */
export async function subsumesOperation(
  ctx: TerminologyContext,
  input: OperationInput,
  instanceId?: string,
): Promise<Parameters> {
  const a = requireCoding(input, { code: 'codeA', coding: 'codingA' });
  const b = requireCoding(input, { code: 'codeB', coding: 'codingB' });
  const system = input.text('system') ?? a.system ?? b.system;
  let source: ConceptSource;
  if (instanceId !== undefined) {
    source = await resolveCodeSystemInstance(ctx, instanceId);
  } else if (system !== undefined) {
    source = await resolveCodeSystem(ctx, system, input.text('version') ?? a.version ?? b.version, 'system');
  } else {
    throw new OutcomeError(badRequest('system is required with codeA and codeB', 'system'));
  }
  const check = async (coding: Coding & { code: string }, name: 'A' | 'B') => {
    const where = input.has(`coding${name}`) ? `coding${name}` : `code${name}`;
    if (coding.system && coding.system !== source.url) {
      throw new OutcomeError(
        badRequest(`coding${name} is in ${coding.system}; subsumption is tested within ${source.url}`, where),
      );
    }
    if (!(await findConcept(ctx, source, coding.code))) {
      throw new OutcomeError(notFoundAt(`Code "${coding.code}" is not in ${source.url}`, where));
    }
  };
  await check(a, 'A');
  await check(b, 'B');
  return toParameters([{ name: 'outcome', valueCode: await testSubsumption(ctx, source, a.code, b.code) }]);
}

export type { FhirFetch, TerminologyContext } from './context.ts';
export {
  TERMINOLOGY_OPERATIONS,
  type OperationDeclaration,
  type ParameterDeclaration,
  type TerminologyResourceType,
} from './definitions.ts';
export { expandValueSet, type ExpansionMember, type ExpansionOptions, type ExpansionPage } from './expansion.ts';
export { MAX_EXPANSION } from './expand.ts';
export { isTerminologyOperation, runTerminologyOperation, type TerminologyOperationRequest } from './run-operation.ts';
export { testSubsumption, type SubsumptionOutcome } from './subsumes.ts';
export { parseTextQuery, type MatchKind, type TextQuery } from './text-match.ts';
export { checkInValueSet, type CodingCheck } from './validate-code.ts';
export { resolveValueSet } from './value-sets.ts';

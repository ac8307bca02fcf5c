// The master patient index's FHIR operations, declared after their OperationDefinitions: R4
// Patient-match (https://hl7.org/fhir/R4/patient-operation-match.html), the R5 patient-merge pattern
// (https://build.fhir.org/patient-operation-merge.html) and its inverse. Requests are parsed against
// these declarations. This file imports nothing, so the FHIR router can list the operations in the
// CapabilityStatement without loading the index.

export type MpiParameterType = 'Reference' | 'Identifier' | 'boolean' | 'integer' | 'string' | 'Patient' | 'Parameters';

export type MpiParameterDeclaration = { name: string; type: MpiParameterType; max: '1' | '*' };

export type MpiOperationName = 'match' | 'merge' | 'unmerge';

export type MpiOperationDeclaration = {
  name: MpiOperationName;
  /** The canonical URL of the operation's definition, listed in the CapabilityStatement. */
  definition: string;
  parameters: MpiParameterDeclaration[];
};

export const MPI_OPERATIONS: readonly MpiOperationDeclaration[] = [
  {
    name: 'match',
    definition: 'http://hl7.org/fhir/OperationDefinition/Patient-match',
    parameters: [
      { name: 'resource', type: 'Patient', max: '1' },
      { name: 'onlyCertainMatches', type: 'boolean', max: '1' },
      { name: 'count', type: 'integer', max: '1' },
    ],
  },
  {
    name: 'merge',
    definition: 'http://hl7.org/fhir/OperationDefinition/Patient-merge',
    parameters: [
      { name: 'source-patient', type: 'Reference', max: '1' },
      { name: 'source-patient-identifier', type: 'Identifier', max: '*' },
      { name: 'target-patient', type: 'Reference', max: '1' },
      { name: 'target-patient-identifier', type: 'Identifier', max: '*' },
      { name: 'result-patient', type: 'Patient', max: '1' },
      { name: 'preview', type: 'boolean', max: '1' },
    ],
  },
  {
    name: 'unmerge',
    definition: 'http://caregraph.dev/fhir/OperationDefinition/Patient-unmerge',
    parameters: [
      { name: 'merge', type: 'string', max: '1' },
      { name: 'source-patient', type: 'Reference', max: '1' },
      { name: 'target-patient', type: 'Reference', max: '1' },
    ],
  },
];

/** Whether `$operation` on the resource type is one of the index's. */
export function isMpiOperation(resourceType: string, operation: string): boolean {
  return resourceType === 'Patient' && MPI_OPERATIONS.some((declared) => `$${declared.name}` === operation);
}

// FHIR R4 resource types. They come from @medplum/fhirtypes, which is generated from the
// official R4 StructureDefinitions; re-exported here so the rest of CareGraph depends on core only.
export type * from '@medplum/fhirtypes';

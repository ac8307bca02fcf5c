export * from './fhir/index.ts';

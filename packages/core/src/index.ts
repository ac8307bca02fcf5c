export * from './fhir/index.ts';
export * from './text.ts';

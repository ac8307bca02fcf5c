export { initFhirDefinitions, isKnownResourceType, listResourceTypes } from './load-definitions.ts';
export { checkRequiredBindings, summarizeRequiredBindings } from './required-bindings.ts';
export type { RequiredBindingSummary } from './required-bindings.ts';
export { hasErrors, validateResource } from './validate-resource.ts';

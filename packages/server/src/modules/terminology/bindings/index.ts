// Required terminology bindings per tenant: the admin API that configures them and the check the
// FHIR write path runs on every create, update and patch.
export { bindingsPlugin } from './routes.ts';
export { checkTerminologyBindings, type BindingCheck } from './check-bindings.ts';
export { configureBindings, removeBinding, validateBindings } from './configure-bindings.ts';
export { listBindings, type TerminologyBinding } from './binding-store.ts';
export { BINDING_ERRORS, BindingRequestError, type BindingErrorCode } from './errors.ts';

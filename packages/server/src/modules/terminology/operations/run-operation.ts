import { notAllowed, OutcomeError, type Resource } from '@caregraph/core/fhir';
import type { TerminologyContext } from './context.ts';
import { tryGetOperation, type OperationDeclaration } from './definitions.ts';
import { expandOperation } from './expand.ts';
import { lookupOperation } from './lookup.ts';
import { parseOperationInput, type OperationInput } from './parameters.ts';
import { subsumesOperation } from './subsumes.ts';
import { translateOperation } from './translate.ts';
import { validateCodeInCodeSystemOperation, validateCodeInValueSetOperation } from './validate-code.ts';

/** A terminology operation call, as the FHIR router sees it. */
export type TerminologyOperationRequest = {
  resourceType: string;
  /** The operation segment of the path, `$expand`. */
  operation: string;
  /** Set for the instance forms, `ValueSet/{id}/$expand`. */
  id?: string | undefined;
  method: string;
  query: Array<[string, string]>;
  body?: unknown;
};

type Handler = (ctx: TerminologyContext, input: OperationInput, instanceId?: string) => Promise<Resource>;

function handlerOf(declaration: OperationDeclaration): Handler {
  switch (declaration.name) {
    case 'lookup':
      return lookupOperation;
    case 'subsumes':
      return subsumesOperation;
    case 'expand':
      return expandOperation;
    case 'translate':
      return translateOperation;
    case 'validate-code':
      return declaration.resourceType === 'ValueSet'
        ? validateCodeInValueSetOperation
        : validateCodeInCodeSystemOperation;
  }
}

/** Whether `$operation` on `resourceType` is one of the terminology operations. */
export function isTerminologyOperation(resourceType: string, operation: string): boolean {
  return operation.startsWith('$') && tryGetOperation(resourceType, operation) !== undefined;
}

/**
 * Runs a terminology operation (GET with query parameters, or POST with a Parameters body) and
 * answers its Parameters, or the expanded ValueSet; errors are thrown as OperationOutcomes.
 */
export async function runTerminologyOperation(
  ctx: TerminologyContext,
  request: TerminologyOperationRequest,
): Promise<{ status: 200; body: Resource }> {
  const declaration = tryGetOperation(request.resourceType, request.operation);
  if (!declaration) {
    throw new Error(`${request.resourceType}/${request.operation} is not a terminology operation`);
  }
  if (request.method !== 'GET' && request.method !== 'POST') {
    throw new OutcomeError(notAllowed(`${request.operation} answers GET and POST, not ${request.method}`));
  }
  const input = parseOperationInput(declaration, {
    query: request.query,
    ...(request.method === 'POST' && request.body !== undefined ? { body: request.body } : {}),
  });
  const body = await handlerOf(declaration)(ctx, input, request.id);
  return { status: 200, body };
}

import fastJsonPatch from 'fast-json-patch';
import { badRequest, OutcomeError, outcome, preconditionFailed, type Resource } from '@caregraph/core/fhir';
import type { StoreContext } from '../store/context.ts';
import { writeVersion } from '../store/resource-rows.ts';
import { parseETagVersion } from './checks.ts';
import type { FhirResponse } from './types.ts';
import { checkBeforeWrite, getLiveForUpdate, versionResponse } from './write-resource.ts';

const { applyPatch, JsonPatchError } = fastJsonPatch;

function assertPatchDocument(body: unknown): asserts body is fastJsonPatch.Operation[] {
  if (
    !Array.isArray(body) ||
    body.some((op: unknown) => typeof op !== 'object' || op === null || typeof (op as { op?: unknown }).op !== 'string')
  ) {
    throw new OutcomeError(badRequest('A JSON Patch body must be an array of operations (RFC 6902)'));
  }
}

/** `2 (test /gender)`: which operation of the patch failed, for the error message. */
function describeOperation(error: InstanceType<typeof JsonPatchError>): string {
  const operation = error.operation as { op?: unknown; path?: unknown } | undefined;
  const what = operation ? ` (${String(operation.op)} ${String(operation.path)})` : '';
  return `${error.index ?? ''}${what}`;
}

/** Applies an RFC 6902 JSON Patch to the current version and stores the validated result. */
export async function patchResource(
  ctx: StoreContext,
  options: { resourceType: string; id: string; body: unknown; ifMatch?: string | undefined },
): Promise<FhirResponse> {
  const { resourceType, id, body, ifMatch } = options;
  assertPatchDocument(body);
  const current = await getLiveForUpdate(ctx, resourceType, id);
  if (ifMatch !== undefined && parseETagVersion(ifMatch) !== current.versionId) {
    throw new OutcomeError(preconditionFailed(`Version conflict: current version is ${current.versionId}`));
  }
  let patched: Resource;
  try {
    patched = applyPatch(structuredClone(current.content), body, true, false).newDocument as unknown as Resource;
  } catch (error) {
    if (error instanceof JsonPatchError) {
      const failedTest = error.name === 'TEST_OPERATION_FAILED';
      throw new OutcomeError(
        outcome(failedTest ? 422 : 400, [
          {
            severity: 'error',
            code: failedTest ? 'conflict' : 'invalid',
            details: { text: `JSON Patch operation ${describeOperation(error)} failed: ${error.name}` },
          },
        ]),
      );
    }
    throw error;
  }
  if (patched.resourceType !== resourceType || patched.id !== id) {
    throw new OutcomeError(badRequest('A patch may not change resourceType or id'));
  }
  const resource = await checkBeforeWrite(ctx, patched);
  const version = await writeVersion(ctx, { resource, resourceType, id, previous: current, method: 'PATCH' });
  return versionResponse(version, 200);
}

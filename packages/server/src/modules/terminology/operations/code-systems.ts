import { notFound, OutcomeError, type CodeSystem, type CodeSystemConcept } from '@caregraph/core/fhir';
import {
  findRelease,
  readConcept,
  subsumes,
  type CodeSystemRelease,
  type Designation,
  type StoredConcept,
} from '../store/index.ts';
import { findTenantResourceByUrl, readTenantResource, resolveOnce, type TerminologyContext } from './context.ts';

/** A code system release loaded into the terminology tables (shared by every tenant). */
export type StoredSource = { kind: 'stored'; url: string; version: string; name: string; release: CodeSystemRelease };

/** A code system given as a FHIR CodeSystem resource (the tenant's own, or sent with the request), held in memory. */
export type ResourceSource = {
  kind: 'resource';
  url: string;
  version: string | undefined;
  name: string;
  concepts: ReadonlyMap<string, StoredConcept>;
};

/** Where the concepts of one code system come from. */
export type ConceptSource = StoredSource | ResourceSource;

function storedSource(release: CodeSystemRelease): StoredSource {
  return {
    kind: 'stored',
    url: release.url,
    version: release.version,
    name: release.title ?? release.name ?? release.url,
    release,
  };
}

/** A property value of a CodeSystem concept, as the stored properties keep it. */
function propertyValue(property: NonNullable<CodeSystemConcept['property']>[number]): unknown {
  return (
    property.valueCode ??
    property.valueString ??
    property.valueBoolean ??
    property.valueInteger ??
    property.valueDecimal ??
    property.valueDateTime ??
    property.valueCoding
  );
}

/** Whether a concept's properties mark it retired (`inactive`, or a `status` of retired/inactive, as HL7 code systems do). */
function isInactive(properties: Record<string, unknown>): boolean {
  const status = properties.status;
  return properties.inactive === true || status === 'retired' || status === 'inactive';
}

/**
 * Flattens a CodeSystem resource's concept tree into concepts with parents and children, the
 * same shape the stored releases answer with. Nesting and `parent`/`child` properties both make
 * is-a edges.
 */
export function sourceOfCodeSystem(codeSystem: CodeSystem): ResourceSource {
  const concepts = new Map<string, StoredConcept>();
  const edges: Array<{ parent: string; child: string }> = [];
  const visit = (list: CodeSystemConcept[] | undefined, parent: string | undefined) => {
    for (const concept of list ?? []) {
      const properties: Record<string, unknown> = {};
      for (const property of concept.property ?? []) {
        const value = propertyValue(property);
        const previous = properties[property.code];
        properties[property.code] =
          previous === undefined ? value : [...(Array.isArray(previous) ? (previous as unknown[]) : [previous]), value];
        if (property.code === 'parent' && typeof value === 'string') {
          edges.push({ parent: value, child: concept.code });
        }
        if (property.code === 'child' && typeof value === 'string') {
          edges.push({ parent: concept.code, child: value });
        }
      }
      const designations: Designation[] = (concept.designation ?? []).map((designation) => ({
        ...(designation.language ? { language: designation.language } : {}),
        ...(designation.use?.system ? { useSystem: designation.use.system } : {}),
        ...(designation.use?.code ? { useCode: designation.use.code } : {}),
        value: designation.value,
      }));
      concepts.set(concept.code, {
        code: concept.code,
        display: concept.display ?? null,
        definition: concept.definition ?? null,
        active: !isInactive(properties),
        properties: Object.keys(properties).length > 0 ? properties : null,
        designations,
        parents: [],
        children: [],
      });
      if (parent !== undefined) {
        edges.push({ parent, child: concept.code });
      }
      visit(concept.concept, concept.code);
    }
  };
  visit(codeSystem.concept, undefined);
  for (const { parent, child } of edges) {
    const childConcept = concepts.get(child);
    const parentConcept = concepts.get(parent);
    if (childConcept && !childConcept.parents.includes(parent)) {
      childConcept.parents.push(parent);
    }
    if (parentConcept && !parentConcept.children.includes(child)) {
      parentConcept.children.push(child);
    }
  }
  const url = codeSystem.url ?? '';
  return {
    kind: 'resource',
    url,
    version: codeSystem.version,
    name: codeSystem.title ?? codeSystem.name ?? url,
    concepts,
  };
}

/** Whether a CodeSystem resource lists its concepts (rather than pointing at a code system defined elsewhere). */
function listsConcepts(codeSystem: CodeSystem): boolean {
  return codeSystem.content !== 'not-present' && (codeSystem.concept?.length ?? 0) > 0;
}

/**
 * The code system `url` (at `version`, else its current release): a release in the terminology
 * tables first, as they are the curated reference data; then a CodeSystem resource of the tenant
 * that lists its concepts. Undefined when neither has it.
 */
export async function tryResolveCodeSystem(
  ctx: TerminologyContext,
  url: string,
  version?: string,
): Promise<ConceptSource | undefined> {
  return resolveOnce(ctx, `CodeSystem\u0000${url}\u0000${version ?? ''}`, async () => {
    const cached = version === undefined ? ctx.currentReleases?.get(url) : undefined;
    const release = cached ?? (await findRelease(ctx.db, url, version));
    if (release) {
      if (version === undefined) {
        ctx.currentReleases?.set(url, release);
      }
      return storedSource(release);
    }
    const codeSystem = await findTenantResourceByUrl<CodeSystem>(ctx, 'CodeSystem', url, version);
    return codeSystem && listsConcepts(codeSystem) ? sourceOfCodeSystem(codeSystem) : undefined;
  });
}

/** Like `tryResolveCodeSystem`, but a 404 naming the system (and version) when it is not known. */
export async function resolveCodeSystem(
  ctx: TerminologyContext,
  url: string,
  version: string | undefined,
  expression?: string,
): Promise<ConceptSource> {
  const source = await tryResolveCodeSystem(ctx, url, version);
  if (!source) {
    throw new OutcomeError(notFoundAt(unknownSystemMessage(url, version), expression));
  }
  return source;
}

/** The message for a code system this server does not know. */
export function unknownSystemMessage(url: string, version: string | undefined): string {
  return `Code system ${url}${version === undefined ? '' : ` version ${version}`} is not known to this server`;
}

/** A 404 OperationOutcome, naming the parameter or element concerned when given. */
export function notFoundAt(text: string, expression?: string) {
  const outcome = notFound(text);
  const issue = outcome.issue?.[0];
  if (issue && expression !== undefined) {
    issue.expression = [expression];
  }
  return outcome;
}

/**
 * The code system of the tenant's `CodeSystem/{id}`: its own concepts when it lists them, else the
 * loaded release it describes (`content = not-present` resources point at one by url and version).
 */
export async function resolveCodeSystemInstance(ctx: TerminologyContext, id: string): Promise<ConceptSource> {
  const codeSystem = await readTenantResource<CodeSystem>(ctx, 'CodeSystem', id);
  if (listsConcepts(codeSystem)) {
    return sourceOfCodeSystem(codeSystem);
  }
  const release = codeSystem.url ? await findRelease(ctx.db, codeSystem.url, codeSystem.version) : undefined;
  if (!release) {
    throw new OutcomeError(
      notFound(`CodeSystem/${id} lists no concepts and ${codeSystem.url ?? 'its url'} is not loaded on this server`),
    );
  }
  return storedSource(release);
}

/** One concept of the code system with designations, parents and children; undefined when absent. */
export async function findConcept(
  ctx: TerminologyContext,
  source: ConceptSource,
  code: string,
): Promise<StoredConcept | undefined> {
  return source.kind === 'stored' ? readConcept(ctx.db, source.release.id, code) : source.concepts.get(code);
}

/** Whether `descendant` is `ancestor` or below it in the code system's is-a hierarchy. */
export async function isSameOrBelow(
  ctx: TerminologyContext,
  source: ConceptSource,
  ancestor: string,
  descendant: string,
): Promise<boolean> {
  if (source.kind === 'stored') {
    return subsumes(ctx.db, source.release.id, ancestor, descendant);
  }
  return closureInMemory(source, descendant, 'parents').has(ancestor);
}

/**
 * Codes at or below (`children`) or at or above (`parents`) `code` in an in-memory code system,
 * for the is-a and generalizes filters of value sets.
 */
export function closureInMemory(source: ResourceSource, code: string, direction: 'children' | 'parents'): Set<string> {
  const found = new Set<string>();
  const pending = [code];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (!found.has(next)) {
      found.add(next);
      pending.push(...(source.concepts.get(next)?.[direction] ?? []));
    }
  }
  return found;
}

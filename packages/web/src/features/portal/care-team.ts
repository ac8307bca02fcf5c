import type { HumanName, Organization, Practitioner, Reference } from '@caregraph/core/fhir';

/** A practitioner's name as a letter would address them: "Dr. June Kassulke". */
export function formatPractitionerName(name: HumanName | undefined): string | undefined {
  if (!name) {
    return undefined;
  }
  if (name.text) {
    return name.text;
  }
  const text = [...(name.prefix ?? []), ...(name.given ?? []), name.family ?? ''].join(' ').trim();
  return text === '' ? undefined : text;
}

/**
 * Who a reference names: the resource read for it (the current name), else the reference's own
 * display, else a neutral phrase, never an id.
 */
export function displayNameOf(
  reference: Reference,
  named: ReadonlyMap<string, Practitioner | Organization> | undefined,
): string {
  const resource = reference.reference ? named?.get(reference.reference) : undefined;
  const fromResource =
    resource?.resourceType === 'Practitioner' ? formatPractitionerName(resource.name?.[0]) : resource?.name;
  return fromResource ?? reference.display ?? 'a member of your care team';
}

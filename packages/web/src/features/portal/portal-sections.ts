/** The sections of the patient portal, in order; the first is the portal's landing page. */
export const PORTAL_SECTIONS = [
  { key: 'record', label: 'My record' },
  { key: 'appointments', label: 'Appointments' },
  { key: 'documents', label: 'Documents' },
  { key: 'care-team', label: 'Care team' },
  { key: 'download', label: 'Download' },
  { key: 'access', label: 'Who accessed' },
] as const;

export type PortalSectionKey = (typeof PORTAL_SECTIONS)[number]['key'];

/** The portal's own address; patients land here after signing in. */
export const PORTAL_PATH = '/portal';

/** The section a URL segment names (none: my record); undefined for an unknown one. */
export function findPortalSection(segment: string | undefined): (typeof PORTAL_SECTIONS)[number] | undefined {
  return PORTAL_SECTIONS.find((section) => section.key === (segment ?? 'record'));
}

/** The URL of a section; "my record" is the portal's own URL. */
export function portalSectionPath(key: PortalSectionKey): string {
  return key === 'record' ? PORTAL_PATH : `${PORTAL_PATH}/${key}`;
}

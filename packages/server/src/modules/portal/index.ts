// The patient portal's server side: the demo data it needs beyond the Synthea records. The portal
// itself reads the FHIR API (and the audit module's access list) with the patient's own token.
export { ensureDemoPortalData, writeDemoPortalData, type DemoPortalDataOptions } from './ensure-demo-portal-data.ts';

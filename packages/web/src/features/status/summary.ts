// Pure functions turning the server's public answers into what the status panel shows.
// No DOM or React here: node --test runs this file directly.

/** What `/readyz` reports: `ready` with the database mode, or why the server is not ready. */
export type Readiness = {
  ready: boolean;
  status: string;
  database: string | undefined;
};

/** The parts of the CapabilityStatement (`/fhir/R4/metadata`) shown on the home page. */
export type ServerSummary = {
  fhirVersion: string;
  softwareName: string;
  softwareVersion: string;
  resourceTypeCount: number;
  systemInteractions: string[];
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

/** Reads a `/readyz` body, which the server sends with 200 when ready and 503 otherwise. */
export function parseReadiness(body: unknown): Readiness {
  if (!isRecord(body) || typeof body.status !== 'string') {
    throw new Error('Unexpected /readyz response');
  }
  return {
    ready: body.status === 'ready',
    status: body.status,
    database: typeof body.database === 'string' ? body.database : undefined,
  };
}

/** Summarises a CapabilityStatement from its first `rest` entry (the server's own). */
export function summarizeCapabilities(statement: unknown): ServerSummary {
  if (!isRecord(statement) || statement.resourceType !== 'CapabilityStatement') {
    throw new Error('Unexpected /metadata response: not a CapabilityStatement');
  }
  const software = isRecord(statement.software) ? statement.software : {};
  const rest: unknown = Array.isArray(statement.rest) ? statement.rest[0] : undefined;
  const resources: unknown = isRecord(rest) ? rest.resource : undefined;
  const interactions: unknown = isRecord(rest) ? rest.interaction : undefined;
  return {
    fhirVersion: text(statement.fhirVersion, 'unknown'),
    softwareName: text(software.name, 'unknown'),
    softwareVersion: text(software.version, 'unknown'),
    resourceTypeCount: Array.isArray(resources) ? resources.length : 0,
    systemInteractions: Array.isArray(interactions)
      ? interactions.flatMap((interaction: unknown) =>
          isRecord(interaction) && typeof interaction.code === 'string' ? [interaction.code] : [],
        )
      : [],
  };
}

const DATABASE_MODES: Record<string, string> = {
  embedded: 'PGlite, stored in the data directory',
  postgres: 'external PostgreSQL (DATABASE_URL)',
};

/** A short explanation of a `/readyz` database mode. */
export function describeDatabaseMode(mode: string | undefined): string {
  return (mode !== undefined && DATABASE_MODES[mode]) || 'not reported';
}

/** A readable message for a failed request. */
export function describeFetchError(error: unknown, url: string): string {
  if (error instanceof TypeError) {
    return `The CareGraph server could not be reached (${url}).`;
  }
  return error instanceof Error ? error.message : `Request to ${url} failed.`;
}

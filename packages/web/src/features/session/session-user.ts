/**
 * Who is signed in, as the web app needs it: read from the tokens the authorization server issued.
 * These claims only shape the screens; the server checks every request against the token itself.
 */

/** The roles CareGraph's users can have (server: modules/identity/types.ts; `service` never signs in). */
export type Role = 'admin' | 'clinician' | 'nurse' | 'staff' | 'patient' | 'privacy-officer';

const KNOWN_ROLES: ReadonlySet<string> = new Set<Role>([
  'admin',
  'clinician',
  'nurse',
  'staff',
  'patient',
  'privacy-officer',
]);

export type SessionUser = {
  /** The user's name, for the top bar. */
  name: string;
  roles: Role[];
  tenant: string | undefined;
  /** The user's own FHIR resource, relative (`Practitioner/123`, `Patient/456`), when linked. */
  fhirUser: string | undefined;
  /** The patient whose record a patient user's token reaches. */
  patientId: string | undefined;
};

/** The payload of a JWT, or undefined when the value is not one (the signature is the server's business). */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (token.split('.').length !== 3 || !payload) {
    return undefined;
  }
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** `https://host/fhir/R4/Practitioner/123` → `Practitioner/123`. */
export function relativeFhirUser(fhirUser: string | undefined): string | undefined {
  const match = fhirUser === undefined ? null : /([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/.exec(fhirUser);
  return match?.[1];
}

/**
 * The signed-in user from the ID token's claims (name, fhirUser) and the access token's (roles,
 * tenant, launch patient): CareGraph's access tokens are JWTs that carry the user's roles.
 */
export function sessionUserOf(idClaims: Record<string, unknown>, accessToken: string): SessionUser {
  const access = decodeJwtPayload(accessToken) ?? {};
  const rawRoles = Array.isArray(idClaims.roles) ? idClaims.roles : Array.isArray(access.roles) ? access.roles : [];
  const roles = rawRoles.filter((role): role is Role => typeof role === 'string' && KNOWN_ROLES.has(role));
  const fhirUser = relativeFhirUser(text(idClaims.fhirUser) ?? text(access.fhirUser));
  const patientId =
    text(access.patient) ?? (fhirUser?.startsWith('Patient/') ? fhirUser.slice('Patient/'.length) : undefined);
  return {
    name: text(idClaims.name) ?? text(idClaims.email) ?? 'Signed-in user',
    roles,
    tenant: text(access.tenant),
    fhirUser,
    patientId,
  };
}

/** Whether the user signs in as a patient (the portal) rather than as a member of staff. */
export function isPatientOnly(user: Pick<SessionUser, 'roles'>): boolean {
  return user.roles.length > 0 && user.roles.every((role) => role === 'patient');
}

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../platform/db/index.ts';
import { createUser } from './create-user.ts';
import { tryFindUserByEmail } from './sql.ts';
import type { Role } from './types.ts';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { handleFhirRequest, type FhirRepo, type FhirResponse } from '../fhir/index.ts';

/** The demo tenant's sign-ins, one per role, with the passwords the README documents. */
export const DEMO_USERS: readonly { email: string; displayName: string; role: Role; password: string }[] = [
  {
    email: 'clinician@demo.caregraph.local',
    displayName: 'Dr Demo Clinician',
    role: 'clinician',
    password: 'caregraph-demo-clinician',
  },
  { email: 'nurse@demo.caregraph.local', displayName: 'Demo Nurse', role: 'nurse', password: 'caregraph-demo-nurse' },
  {
    email: 'frontdesk@demo.caregraph.local',
    displayName: 'Demo Front Desk',
    role: 'staff',
    password: 'caregraph-demo-frontdesk',
  },
  {
    email: 'patient@demo.caregraph.local',
    displayName: 'Demo Patient',
    role: 'patient',
    password: 'caregraph-demo-patient',
  },
];

const clock = { now: () => new Date() };

/**
 * Gives a tenant without any administrator its first one. The password is the configured one, else
 * the one in `passwordFile`, else a generated one written there (mode 0600) rather than to the logs.
 * A tenant that already has an administrator is left alone.
 */
export async function ensureInitialAdmin(
  db: Database,
  options: { tenantId: string; email: string; password: string | undefined; passwordFile: string },
  log: FastifyBaseLogger,
): Promise<void> {
  const { rows } = await db.query("SELECT 1 FROM app_user WHERE tenant_id = $1 AND 'admin' = ANY(roles) LIMIT 1", [
    options.tenantId,
  ]);
  if (rows.length > 0) {
    return;
  }
  if (await tryFindUserByEmail(db, options.tenantId, options.email)) {
    log.warn(
      { tenant: options.tenantId },
      'the initial administrator address belongs to a user who is not an administrator',
    );
    return;
  }
  let password = options.password;
  if (password === undefined) {
    password = existsSync(options.passwordFile) ? readFileSync(options.passwordFile, 'utf8').trim() : '';
    if (password === '') {
      password = randomBytes(18).toString('base64url');
      mkdirSync(path.dirname(options.passwordFile), { recursive: true });
      writeFileSync(options.passwordFile, `${password}\n`, { mode: 0o600 });
      // `mode` applies only when the file is created; an existing empty file keeps its own.
      chmodSync(options.passwordFile, 0o600);
    }
  }
  const admin = await createUser(
    { db, ...clock },
    { tenantId: options.tenantId, email: options.email, displayName: 'Administrator', roles: ['admin'], password },
  );
  log.info(
    {
      tenant: options.tenantId,
      userId: admin.id,
      ...(options.password === undefined ? { passwordFile: options.passwordFile } : {}),
    },
    'initial administrator created',
  );
}

/** Where the demo seeding's FHIR requests are addressed (references it writes are relative). */
const DEMO_FHIR_BASE = 'http://localhost/fhir/R4';

const bodyText = (response: FhirResponse) =>
  typeof response.body === 'string' ? response.body : JSON.stringify(response.body);

function fhirRepo(db: Database, tenantId: string): FhirRepo {
  return { db, tenantId, baseUrl: DEMO_FHIR_BASE, now: clock.now };
}

async function createDemoResource(db: Database, tenantId: string, resource: Resource): Promise<string> {
  const response = await handleFhirRequest(fhirRepo(db, tenantId), {
    method: 'POST',
    path: resource.resourceType,
    query: [],
    body: resource,
  });
  const body = typeof response.body === 'string' ? (JSON.parse(response.body) as Resource) : response.body;
  if (!body?.id) {
    throw new Error(`the demo ${resource.resourceType} was not stored`);
  }
  return body.id;
}

/**
 * Puts the demo clinician and nurse on an active care team of every demo patient, so they reach
 * the demo records (access policies give clinicians and nurses the patients in their care). Runs
 * once: nothing happens when the clinician is on a care team already.
 */
async function ensureDemoCareTeams(db: Database, tenantId: string, practitioners: readonly string[]): Promise<void> {
  const repo = fhirRepo(db, tenantId);
  const [first] = practitioners;
  const existing = await handleFhirRequest(repo, {
    method: 'GET',
    path: 'CareTeam',
    query: [
      ['participant', `Practitioner/${first ?? ''}`],
      ['_summary', 'count'],
    ],
  });
  if (first === undefined || (JSON.parse(bodyText(existing)) as { total?: number }).total !== 0) {
    return;
  }
  const search = await handleFhirRequest(repo, {
    method: 'GET',
    path: 'Patient',
    query: [
      ['_count', '1000'],
      ['_elements', 'id'],
    ],
  });
  const bundle = JSON.parse(bodyText(search)) as Bundle;
  for (const entry of bundle.entry ?? []) {
    await createDemoResource(db, tenantId, {
      resourceType: 'CareTeam',
      status: 'active',
      name: 'Demo care team',
      subject: { reference: `Patient/${entry.resource?.id ?? ''}` },
      participant: practitioners.map((id) => ({ member: { reference: `Practitioner/${id}` } })),
    });
  }
}

/**
 * Creates the demo sign-ins that do not exist yet; the patient is linked to `patientId` and the
 * clinician to `practitionerId` when the demo data has them. A new demo nurse gets a Practitioner
 * of their own; both are put on every demo patient's care team.
 */
export async function ensureDemoUsers(
  db: Database,
  options: { tenantId: string; patientId: string | undefined; practitionerId: string | undefined },
): Promise<number> {
  let created = 0;
  const careTeam = options.practitionerId === undefined ? [] : [options.practitionerId];
  for (const demo of DEMO_USERS) {
    if (await tryFindUserByEmail(db, options.tenantId, demo.email)) {
      continue;
    }
    const isPatient = demo.role === 'patient' && options.patientId !== undefined;
    const isClinician = demo.role === 'clinician' && options.practitionerId !== undefined;
    const nurseId =
      demo.role === 'nurse' && options.practitionerId !== undefined
        ? await createDemoResource(db, options.tenantId, {
            resourceType: 'Practitioner',
            name: [{ family: 'Nurse', given: ['Demo'] }],
            qualification: [{ code: { text: 'Registered nurse' } }],
          })
        : undefined;
    if (nurseId !== undefined) {
      careTeam.push(nurseId);
    }
    await createUser(
      { db, ...clock },
      {
        tenantId: options.tenantId,
        email: demo.email,
        displayName: demo.displayName,
        roles: [demo.role],
        password: demo.password,
        ...(isPatient ? { patientId: options.patientId, fhirUser: `Patient/${options.patientId}` } : {}),
        ...(isClinician ? { fhirUser: `Practitioner/${options.practitionerId}` } : {}),
        ...(nurseId !== undefined ? { fhirUser: `Practitioner/${nurseId}` } : {}),
      },
    );
    created += 1;
  }
  await ensureDemoCareTeams(db, options.tenantId, careTeam);
  return created;
}

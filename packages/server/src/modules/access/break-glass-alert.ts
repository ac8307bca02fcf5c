// Break-the-glass alerts: when a user opens records beyond their reach by stating a reason, the
// tenant's privacy officers get an e-mail and a FHIR Communication (category `alert`) they can
// review. The reason itself stays in the audit trail and the Communication, never in the e-mail.
import type { FastifyBaseLogger } from 'fastify';
import { listUsers, type Role } from '../identity/index.ts';
import type { Database } from '../../platform/db/index.ts';
import type { Mailer } from '../../platform/mailer.ts';
import type { BreakGlassUse } from './fhir-guard.ts';

/** The role alerted of break-the-glass access. */
export const PRIVACY_OFFICER_ROLE = 'privacy-officer' satisfies Role;

/** An alert is sent once per user and record within this window: a chart opened page by page alerts once. */
export const ALERT_WINDOW_MS = 60 * 60_000;

/** A break-the-glass event to report. */
export type BreakGlassEvent = {
  tenantId: string;
  /** The acting user's id (or client id) and roles. */
  actor: { label: string; roles: readonly string[] };
  fhirUser: string | undefined;
  reason: string;
  uses: readonly BreakGlassUse[];
  requestId: string;
  at: Date;
};

/** What alerts need: mail and the users. */
export type AlertDeps = { db: Database; mailer: Mailer; log: FastifyBaseLogger };

/** Stores the alert Communication (the FHIR module's store, as system work). */
export type CreateCommunication = (communication: Record<string, unknown>) => Promise<void>;

const INSTANCE_REFERENCE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

function buildCommunication(event: BreakGlassEvent, recipients: readonly string[]): Record<string, unknown> {
  const references = event.uses.map((use) => use.reference);
  return {
    resourceType: 'Communication',
    status: 'completed',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/communication-category', code: 'alert' }] }],
    priority: 'urgent',
    sent: event.at.toISOString(),
    reasonCode: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG', display: 'break the glass' },
        ],
      },
    ],
    ...(event.fhirUser ? { sender: { reference: event.fhirUser } } : {}),
    ...(recipients.length > 0 ? { recipient: recipients.map((reference) => ({ reference })) } : {}),
    about: references.filter((reference) => INSTANCE_REFERENCE.test(reference)).map((reference) => ({ reference })),
    payload: [
      {
        contentString: `Break-the-glass access by user ${event.actor.label} (${event.actor.roles.join(', ')}) to ${references.join(', ')}. Reason given: ${event.reason}`,
      },
    ],
  };
}

/** Creates the alert reporter of an app: remembers what it alerted recently so repeats stay quiet. */
export function createBreakGlassAlerts(deps: AlertDeps, now: () => number = Date.now) {
  const recent = new Map<string, number>();
  return async function reportBreakGlass(
    event: BreakGlassEvent,
    createCommunication: CreateCommunication,
  ): Promise<void> {
    const time = now();
    for (const [key, expires] of recent) {
      if (expires <= time) {
        recent.delete(key);
      }
    }
    const fresh = event.uses.filter((use) => !recent.has(`${event.tenantId} ${event.actor.label} ${use.reference}`));
    if (fresh.length === 0) {
      return;
    }
    for (const use of fresh) {
      recent.set(`${event.tenantId} ${event.actor.label} ${use.reference}`, time + ALERT_WINDOW_MS);
    }
    const users = await listUsers(deps.db, { tenantId: event.tenantId, limit: 1000, offset: 0 });
    const officers = users.filter((user) => user.status === 'active' && user.roles.includes(PRIVACY_OFFICER_ROLE));
    const alert = { ...event, uses: fresh };
    await createCommunication(
      buildCommunication(
        alert,
        officers.flatMap((officer) => (officer.fhirUser ? [officer.fhirUser] : [])),
      ),
    );
    const text = [
      `A user opened records beyond their normal access by breaking the glass.`,
      ``,
      `User: ${event.actor.label} (${event.actor.roles.join(', ')})`,
      `Records: ${fresh.map((use) => use.reference).join(', ')}`,
      `When: ${event.at.toISOString()}`,
      `Request: ${event.requestId}`,
      ``,
      `The reason given is in the audit trail (purpose of use BTG) and in the alert Communication.`,
    ].join('\n');
    for (const officer of officers) {
      try {
        await deps.mailer.send({ to: officer.email, subject: 'Break-the-glass access to patient records', text });
      } catch (error) {
        // The access itself is recorded; a mail server that is down must not fail the clinician's request.
        deps.log.error({ err: error, tenant: event.tenantId }, 'break-the-glass alert e-mail failed');
      }
    }
  };
}

import type { CareTeam, ContactPoint, Encounter, Organization, Practitioner, Reference } from '@caregraph/core/fhir';
import { useMemo } from 'react';
import { Card } from '../../components/Card.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { useEncounters } from '../chart/api.ts';
import { formatConcept, formatDate, formatPeriod } from '../chart/fhir-display.ts';
import { ResourceSection } from '../chart/ResourceSection.tsx';
import { usePatient } from '../patients/api.ts';
import { useCareTeams, useNamedResources } from './api.ts';
import { displayNameOf } from './care-team.ts';

type Named = ReadonlyMap<string, Practitioner | Organization> | undefined;

function Contact({ telecom }: { telecom: readonly ContactPoint[] | undefined }) {
  const reachable = (telecom ?? []).filter(
    (point) => point.value && (point.system === 'phone' || point.system === 'email'),
  );
  if (reachable.length === 0) {
    return null;
  }
  return (
    <div>
      {reachable.map((point) => (
        <a
          key={`${point.system ?? ''}:${point.value ?? ''}`}
          className="portal-contact"
          href={point.system === 'email' ? `mailto:${point.value ?? ''}` : `tel:${point.value ?? ''}`}
        >
          {point.value}
        </a>
      ))}
    </div>
  );
}

function Person({ reference, named, detail }: { reference: Reference; named: Named; detail?: string }) {
  const resource = reference.reference ? named?.get(reference.reference) : undefined;
  return (
    <li>
      <strong>{displayNameOf(reference, named)}</strong>
      {detail && <span className="muted"> · {detail}</span>}
      <Contact telecom={resource?.telecom} />
    </li>
  );
}

function CareTeamItem({ team, named }: { team: CareTeam; named: Named }) {
  const members = (team.participant ?? []).filter((participant) => participant.member);
  return (
    <li className="portal-team">
      <div className="portal-reading__head">
        <strong>{team.name ?? formatConcept(team.category?.[0], 'Care team')}</strong>
        <StatusBadge tone={team.status === 'active' ? 'ok' : 'neutral'}>
          {team.status === 'active' ? 'Active' : (team.status ?? 'Status not recorded')}
        </StatusBadge>
      </div>
      {team.period && <div className="muted">{formatPeriod(team.period)}</div>}
      {members.length === 0 ? (
        <p className="muted">No members are listed.</p>
      ) : (
        <ul className="portal-list">
          {members.map((participant, index) =>
            participant.member ? (
              <Person
                key={participant.member.reference ?? index}
                reference={participant.member}
                named={named}
                detail={participant.role?.map((role) => formatConcept(role)).join(', ')}
              />
            ) : null,
          )}
        </ul>
      )}
    </li>
  );
}

/** The clinicians the patient's visits name, each once with their latest visit, newest first. */
function cliniciansSeen(encounters: readonly Encounter[]): { reference: Reference; lastSeen: string | undefined }[] {
  const latest = new Map<string, { reference: Reference; lastSeen: string | undefined }>();
  for (const encounter of encounters) {
    for (const participant of encounter.participant ?? []) {
      const key = participant.individual?.reference;
      if (!participant.individual || !key?.startsWith('Practitioner/')) {
        continue;
      }
      const seen = encounter.period?.start;
      const known = latest.get(key);
      if (!known || (seen ?? '') > (known.lastSeen ?? '')) {
        latest.set(key, { reference: participant.individual, lastSeen: seen });
      }
    }
  }
  return [...latest.values()].sort((left, right) => (right.lastSeen ?? '').localeCompare(left.lastSeen ?? ''));
}

/** The patient's care teams, general practitioner and the clinicians they have seen, with contact details. */
export function CareTeamSection({ patientId }: { patientId: string }) {
  const teams = useCareTeams(patientId);
  const patient = usePatient(patientId);
  const encounters = useEncounters(patientId);
  const seen = useMemo(() => cliniciansSeen(encounters.resources), [encounters.resources]);
  const generalPractitioners = useMemo(() => patient.data?.generalPractitioner ?? [], [patient.data]);
  const references = useMemo(
    () => [
      ...teams.resources.flatMap((team) => (team.participant ?? []).map((participant) => participant.member)),
      ...generalPractitioners,
      ...seen.map((clinician) => clinician.reference),
    ],
    [teams.resources, generalPractitioners, seen],
  );
  const named = useNamedResources(references);
  return (
    <>
      {named.isError && (
        <ErrorMessage error={named.error} what="the names of your clinicians" onRetry={() => void named.refetch()} />
      )}
      {named.isLoading && <p className="muted">Loading the names of your clinicians…</p>}
      <Card title="My care team">
        <ResourceSection search={teams} what="care teams">
          {(rows) => (
            <ul className="portal-list" data-testid="portal-care-teams">
              {rows.map((team) => (
                <CareTeamItem key={team.id} team={team} named={named.data} />
              ))}
            </ul>
          )}
        </ResourceSection>
      </Card>
      <Card title="General practitioner">
        {patient.isPending && <p className="muted">Loading…</p>}
        {patient.isError && (
          <ErrorMessage error={patient.error} what="your details" onRetry={() => void patient.refetch()} />
        )}
        {patient.isSuccess &&
          (generalPractitioners.length === 0 ? (
            <p className="muted">No general practitioner is recorded. The clinic can add one for you.</p>
          ) : (
            <ul className="portal-list">
              {generalPractitioners.map((reference, index) => (
                <Person key={reference.reference ?? index} reference={reference} named={named.data} />
              ))}
            </ul>
          ))}
      </Card>
      <Card title="Clinicians you have seen">
        <ResourceSection search={encounters} what="visits">
          {() =>
            seen.length === 0 ? (
              <p className="muted">Your visits do not name a clinician.</p>
            ) : (
              <ul className="portal-list">
                {seen.map((clinician) => (
                  <Person
                    key={clinician.reference.reference}
                    reference={clinician.reference}
                    named={named.data}
                    detail={`last visit ${formatDate(clinician.lastSeen)}`}
                  />
                ))}
              </ul>
            )
          }
        </ResourceSection>
      </Card>
    </>
  );
}

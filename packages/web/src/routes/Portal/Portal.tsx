import { Link, NavLink, useParams } from 'react-router';
import { Card } from '../../components/Card.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { formatDate } from '../../features/chart/fhir-display.ts';
import { AccessSection } from '../../features/portal/AccessSection.tsx';
import { usePortalIdentity } from '../../features/portal/api.ts';
import { AppointmentsSection } from '../../features/portal/AppointmentsSection.tsx';
import { CareTeamSection } from '../../features/portal/CareTeamSection.tsx';
import { DocumentsSection } from '../../features/portal/DocumentsSection.tsx';
import { DownloadSection } from '../../features/portal/DownloadSection.tsx';
import { MyRecord } from '../../features/portal/MyRecord.tsx';
import {
  findPortalSection,
  PORTAL_SECTIONS,
  portalSectionPath,
  type PortalSectionKey,
} from '../../features/portal/portal-sections.ts';
import '../../features/portal/portal.css';
import { usePatient } from '../../features/patients/api.ts';
import { ageInYears, formatName } from '../../features/patients/patient-display.ts';
import { PageShell } from '../PageShell.tsx';

function PortalSection({
  section,
  patientId,
  patientName,
  ageYears,
}: {
  section: PortalSectionKey;
  patientId: string;
  patientName: string;
  ageYears: number | undefined;
}) {
  switch (section) {
    case 'record':
      return <MyRecord patientId={patientId} ageYears={ageYears} />;
    case 'appointments':
      return <AppointmentsSection patientId={patientId} />;
    case 'documents':
      return <DocumentsSection patientId={patientId} ageYears={ageYears} />;
    case 'care-team':
      return <CareTeamSection patientId={patientId} />;
    case 'download':
      return <DownloadSection patientId={patientId} patientName={patientName} />;
    case 'access':
      return <AccessSection />;
  }
}

/** The signed-in patient's own portal: who they are, then one section per URL (`/portal/:section`). */
function PatientPortal({ patientId, segment }: { patientId: string; segment: string | undefined }) {
  const section = findPortalSection(segment);
  const patient = usePatient(patientId);
  if (patient.isPending) {
    return <p className="muted">Loading your record…</p>;
  }
  if (patient.isError) {
    return <ErrorMessage error={patient.error} what="your record" onRetry={() => void patient.refetch()} />;
  }
  const name = formatName(patient.data);
  const isDeceased = Boolean(patient.data.deceasedDateTime ?? patient.data.deceasedBoolean);
  const age = isDeceased ? undefined : ageInYears(patient.data.birthDate);
  return (
    <>
      <header className="portal-header">
        <p className="muted portal-header__kicker">My health record</p>
        <h1 data-testid="portal-patient-name">{name}</h1>
        {patient.data.birthDate && <p className="muted">Born {formatDate(patient.data.birthDate)}</p>}
      </header>
      <nav className="chart-tabs" aria-label="Portal sections">
        {PORTAL_SECTIONS.map((candidate) => (
          <NavLink key={candidate.key} to={portalSectionPath(candidate.key)} end className="chart-tabs__tab">
            {candidate.label}
          </NavLink>
        ))}
      </nav>
      {section ? (
        <PortalSection section={section.key} patientId={patientId} patientName={name} ageYears={age} />
      ) : (
        <Card title="Not part of the portal">
          <p>
            The portal has no page “{segment}”. Pick one of the sections above, or go back to{' '}
            <Link to={portalSectionPath('record')}>your record</Link>.
          </p>
        </Card>
      )}
    </>
  );
}

/** The patient portal; for a patient account linked to no record, a page saying so. */
export function Portal() {
  const { section: segment } = useParams();
  const { patientId } = usePortalIdentity();
  const label = findPortalSection(segment)?.label;
  return (
    <PageShell title={label ? `My health · ${label}` : 'My health'} wide>
      {patientId ? (
        <PatientPortal patientId={patientId} segment={segment} />
      ) : (
        <Card title="No record linked to your account">
          <p>
            Your account is not linked to a patient record yet, so there is nothing to show here. The clinic can link it
            for you.
          </p>
        </Card>
      )}
    </PageShell>
  );
}

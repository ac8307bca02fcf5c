import { useParams } from 'react-router';
import { JourneyView } from '../../features/journey/JourneyView.tsx';
import { PatientHeader } from '../../features/patients/PatientHeader.tsx';
import { PageShell } from '../PageShell.tsx';

/** The journey page of one patient. */
export function PatientJourney() {
  const { patientId = '' } = useParams();
  return (
    <PageShell title="Patient journey" wide>
      <PatientHeader patientId={patientId} />
      <JourneyView patientId={patientId} />
    </PageShell>
  );
}

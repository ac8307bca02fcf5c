import { useEffect, useRef } from 'react';
import { NavLink, useNavigate, useParams } from 'react-router';
import { Card } from '../../components/Card.tsx';
import { useShortcuts } from '../../components/shortcuts/ShortcutProvider.tsx';
import { AllergiesTab } from '../../features/chart/AllergiesTab.tsx';
import { ChartHeader } from '../../features/chart/ChartHeader.tsx';
import {
  CHART_SECTIONS,
  chartSectionPath,
  findChartSection,
  type ChartSectionKey,
} from '../../features/chart/chart-sections.ts';
import { DocumentsTab } from '../../features/chart/DocumentsTab.tsx';
import { EncountersTab } from '../../features/chart/EncountersTab.tsx';
import { ImmunizationsTab } from '../../features/chart/ImmunizationsTab.tsx';
import { LabsTab } from '../../features/chart/LabsTab.tsx';
import { MedicationsTab } from '../../features/chart/MedicationsTab.tsx';
import { ProblemsTab } from '../../features/chart/ProblemsTab.tsx';
import { SummaryTab } from '../../features/chart/SummaryTab.tsx';
import { VitalsTab } from '../../features/chart/VitalsTab.tsx';
import { JourneyView } from '../../features/journey/JourneyView.tsx';
import { PageShell } from '../PageShell.tsx';

function ChartSection({ section, patientId }: { section: ChartSectionKey; patientId: string }) {
  switch (section) {
    case 'summary':
      return <SummaryTab patientId={patientId} />;
    case 'problems':
      return <ProblemsTab patientId={patientId} />;
    case 'medications':
      return <MedicationsTab patientId={patientId} />;
    case 'allergies':
      return <AllergiesTab patientId={patientId} />;
    case 'vitals':
      return <VitalsTab patientId={patientId} />;
    case 'labs':
      return <LabsTab patientId={patientId} />;
    case 'encounters':
      return <EncountersTab patientId={patientId} />;
    case 'immunizations':
      return <ImmunizationsTab patientId={patientId} />;
    case 'documents':
      return <DocumentsTab patientId={patientId} />;
    case 'journey':
      return <JourneyView patientId={patientId} />;
  }
}

/** `1`…`9` open the first nine sections, `[` and `]` the previous and next one. */
function useChartTabShortcuts(patientId: string, current: ChartSectionKey | undefined): void {
  const navigate = useNavigate();
  const index = CHART_SECTIONS.findIndex((section) => section.key === current);
  const open = (target: number) => {
    const section = CHART_SECTIONS[(target + CHART_SECTIONS.length) % CHART_SECTIONS.length];
    if (section) {
      void navigate(chartSectionPath(patientId, section.key));
    }
  };
  useShortcuts([
    ...CHART_SECTIONS.slice(0, 9).map((section, position) => ({
      keys: String(position + 1),
      description: `Open ${section.label}`,
      group: 'Patient chart',
      run: () => open(position),
    })),
    { keys: '[', description: 'Previous section', group: 'Patient chart', run: () => open(index - 1) },
    { keys: ']', description: 'Next section', group: 'Patient chart', run: () => open(index + 1) },
  ]);
}

/** On a narrow screen the tabs scroll sideways: keep the current one in view (without scrolling the page). */
function useCurrentTabInView(current: ChartSectionKey | undefined) {
  const navRef = useRef<HTMLElement>(null);
  useEffect(() => {
    const nav = navRef.current;
    const tab = nav?.querySelector<HTMLElement>('[aria-current="page"]');
    if (nav && tab && nav.scrollWidth > nav.clientWidth) {
      nav.scrollLeft = tab.offsetLeft - (nav.clientWidth - tab.offsetWidth) / 2;
    }
  }, [current]);
  return navRef;
}

/** A patient's chart: the header, then one section per URL (`/patients/:id/:section`). */
export function PatientChart() {
  const { patientId = '', section: segment } = useParams();
  const section = findChartSection(segment);
  useChartTabShortcuts(patientId, section?.key);
  const tabsRef = useCurrentTabInView(section?.key);
  return (
    <PageShell title={section ? `Chart · ${section.label}` : 'Chart'} wide>
      <ChartHeader patientId={patientId} />
      <nav ref={tabsRef} className="chart-tabs" aria-label="Chart sections">
        {CHART_SECTIONS.map((candidate) => (
          <NavLink key={candidate.key} to={chartSectionPath(patientId, candidate.key)} end className="chart-tabs__tab">
            {candidate.label}
          </NavLink>
        ))}
      </nav>
      {section ? (
        <ChartSection section={section.key} patientId={patientId} />
      ) : (
        <Card title="Not part of the chart">
          <p>This chart has no section “{segment}”. Pick one of the sections above.</p>
        </Card>
      )}
    </PageShell>
  );
}

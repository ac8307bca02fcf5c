import type { DocumentReference } from '@caregraph/core/fhir';
import { startOfUtcDay, type DemoParticipants } from './demo-appointments.ts';

const LOINC = 'http://loinc.org';
const DAY_MS = 24 * 60 * 60_000;

export const DEMO_VISIT_SUMMARY_ID = 'demo-visit-summary';

/** The visit the summary is about: the attended follow-up three weeks before the anchor day. */
const SUMMARY_DAY_OFFSET = -21;

const SUMMARY_TEXT = [
  'After-visit summary: blood pressure follow-up',
  '',
  'Why you came: to check your blood pressure after the change of medicine at your check-up.',
  'What we found: your blood pressure is lower than last time and close to the goal.',
  'What to do next:',
  '- Keep taking your medicines as prescribed.',
  '- Measure your blood pressure at home twice a week and write the numbers down.',
  '- Come for a blood test (lipid panel) before your next visit.',
  '',
  'Call the clinic if you feel dizzy, have chest pain or a severe headache.',
].join('\n');

/**
 * A written after-visit summary of the demo patient's last attended visit, as a plain-text
 * attachment, so the portal's documents can be opened and downloaded (the Synthea demo data has none).
 */
export function buildDemoVisitSummary(now: Date, participants: DemoParticipants): DocumentReference {
  const date = new Date(startOfUtcDay(now).getTime() + SUMMARY_DAY_OFFSET * DAY_MS + 11 * 60 * 60_000);
  return {
    resourceType: 'DocumentReference',
    id: DEMO_VISIT_SUMMARY_ID,
    status: 'current',
    docStatus: 'final',
    type: { coding: [{ system: LOINC, code: '34108-1', display: 'Outpatient Note' }], text: 'After-visit summary' },
    category: [
      {
        coding: [
          {
            system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
            code: 'clinical-note',
            display: 'Clinical Note',
          },
        ],
      },
    ],
    subject: participants.patient,
    date: date.toISOString(),
    ...(participants.practitioner ? { author: [participants.practitioner] } : {}),
    description: 'What was discussed at your blood pressure follow-up, and what to do next.',
    content: [
      {
        attachment: {
          contentType: 'text/plain; charset=utf-8',
          language: 'en',
          title: 'After-visit summary',
          creation: date.toISOString(),
          data: Buffer.from(SUMMARY_TEXT, 'utf8').toString('base64'),
        },
      },
    ],
  };
}

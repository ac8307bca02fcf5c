import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpClient } from '@caregraph/core/client';
import type { Appointment, Bundle, Observation, Resource } from '@caregraph/core/fhir';
import { extractPdfText } from '../e2e/portal-files.ts';
import {
  describeAccess,
  describeAccessor,
  describePurpose,
  groupAccessVisits,
  type AccessEntry,
} from '../src/features/portal/access-log.ts';
import {
  appointmentParticipants,
  appointmentStatus,
  appointmentTitle,
  daysUntil,
  splitAppointments,
  toICalendar,
} from '../src/features/portal/appointments.ts';
import {
  attachmentFileName,
  base64ToBytes,
  binaryPath,
  canLoadAttachment,
  mediaType,
} from '../src/features/portal/attachments.ts';
import { displayNameOf, formatPractitionerName } from '../src/features/portal/care-team.ts';
import { toWinAnsi, wrapText } from '../src/features/portal/pdf-text.ts';
import { explainLabResult, judgeVital } from '../src/features/portal/plain-language.ts';
import { portalIdentityOf } from '../src/features/portal/portal-identity.ts';
import { findPortalSection, portalSectionPath } from '../src/features/portal/portal-sections.ts';
import {
  combineEverythingPages,
  fetchRecordBundle,
  recordFileName,
  resourcesOf,
} from '../src/features/portal/record-bundle.ts';
import { latestLabResults, latestVitalReadings } from '../src/features/portal/record-lists.ts';
import { renderRecordPdf } from '../src/features/portal/record-pdf.ts';
import { buildRecordSummary } from '../src/features/portal/record-summary.ts';

const LOINC = 'http://loinc.org';
const NOW = new Date('2026-11-24T12:00:00Z');

function lab(
  id: string,
  code: string,
  value: number,
  time: string,
  range?: { low?: number; high?: number },
): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [{ coding: [{ code: 'laboratory' }] }],
    code: { coding: [{ system: LOINC, code, display: `Test ${code}` }] },
    effectiveDateTime: time,
    valueQuantity: { value, unit: 'mg/dL' },
    ...(range
      ? {
          referenceRange: [
            {
              ...(range.low === undefined ? {} : { low: { value: range.low } }),
              ...(range.high === undefined ? {} : { high: { value: range.high } }),
            },
          ],
        }
      : {}),
  };
}

function bloodPressure(id: string, systolic: number, diastolic: number, time: string): Observation {
  const component = (code: string, value: number) => ({
    code: { coding: [{ system: LOINC, code }] },
    valueQuantity: { value, unit: 'mm[Hg]' },
  });
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [{ coding: [{ code: 'vital-signs' }] }],
    code: { coding: [{ system: LOINC, code: '85354-9' }] },
    effectiveDateTime: time,
    component: [component('8480-6', systolic), component('8462-4', diastolic)],
  };
}

function appointment(id: string, start: string | undefined, status: Appointment['status']): Appointment {
  return {
    resourceType: 'Appointment',
    id,
    status,
    description: `Visit ${id}`,
    ...(start ? { start, end: new Date(Date.parse(start) + 30 * 60_000).toISOString() } : {}),
    participant: [
      { actor: { reference: 'Patient/p-1' }, status: 'accepted' },
      { actor: { reference: 'Practitioner/pr-1', display: 'Dr. June Kassulke' }, status: 'accepted' },
    ],
  };
}

describe('portal identity', () => {
  it('is the patient a patient user is, from fhirUser or the launch patient', () => {
    assert.deepEqual(portalIdentityOf({ fhirUser: 'Patient/p-1', patientId: 'p-1', roles: ['patient'] }), {
      patientId: 'p-1',
    });
    assert.deepEqual(portalIdentityOf({ fhirUser: undefined, patientId: 'p-2', roles: ['patient'] }), {
      patientId: 'p-2',
    });
  });

  it('gives staff no portal, even with a launch patient picked at sign-in', () => {
    assert.deepEqual(portalIdentityOf({ fhirUser: 'Practitioner/pr-1', patientId: 'p-1', roles: ['clinician'] }), {
      patientId: undefined,
    });
  });

  it('maps sections to addresses and back', () => {
    assert.equal(portalSectionPath('record'), '/portal');
    assert.equal(portalSectionPath('care-team'), '/portal/care-team');
    assert.equal(findPortalSection(undefined)?.key, 'record');
    assert.equal(findPortalSection('access')?.label, 'Who accessed');
    assert.equal(findPortalSection('billing'), undefined);
  });
});

describe('plain-language results', () => {
  it('explains a result against its reference range', () => {
    assert.equal(explainLabResult(lab('a', '1', 250, '2026-01-01', { high: 200 })).word, 'High');
    assert.match(
      explainLabResult(lab('a', '1', 250, '2026-01-01', { high: 200 })).sentence,
      /expected range \(≤ 200 mg\/dL\)/,
    );
    assert.equal(explainLabResult(lab('a', '1', 3, '2026-01-01', { low: 3.5, high: 5.1 })).word, 'Low');
    assert.equal(explainLabResult(lab('a', '1', 4, '2026-01-01', { low: 3.5, high: 5.1 })).tone, 'ok');
    assert.equal(explainLabResult(lab('a', '1', 4, '2026-01-01')).word, 'No range');
  });

  it('compares an adult result the lab sent without a range with the typical adult range, and says so', () => {
    const cholesterol = lab('c', '2093-3', 230, '2026-01-01');
    assert.deepEqual(explainLabResult(cholesterol, 50), {
      word: 'High',
      tone: 'warning',
      sentence:
        'Higher than the typical range for adults (≤ 200 mg/dL; the lab sent none). Your care team can tell you what this means for you.',
    });
    const hdl = lab('h', '2085-9', 55, '2026-01-01');
    assert.equal(explainLabResult(hdl, 50).word, 'Normal');
    // Not for children, not in another unit, and never over the lab's own range.
    assert.equal(explainLabResult(cholesterol, 12).word, 'No range');
    assert.equal(
      explainLabResult({ ...cholesterol, valueQuantity: { value: 6, unit: 'mmol/L', code: 'mmol/L' } }, 50).word,
      'No range',
    );
    assert.equal(explainLabResult(lab('c', '2093-3', 230, '2026-01-01', { high: 240 }), 50).word, 'Normal');
  });

  it('lets the lab flag win over the range, and says when it is critical', () => {
    const flagged = {
      ...lab('a', '1', 4, '2026-01-01', { low: 3.5, high: 5.1 }),
      interpretation: [{ coding: [{ code: 'HH' }] }],
    };
    assert.deepEqual(
      { word: explainLabResult(flagged).word, tone: explainLabResult(flagged).tone },
      { word: 'Very high', tone: 'error' },
    );
  });

  it('judges adult vitals by the usual ranges, and children not at all', () => {
    assert.equal(judgeVital('blood-pressure', [118, 76], 40)?.word, 'Normal');
    assert.equal(judgeVital('blood-pressure', [124, 76], 40)?.word, 'Slightly high');
    assert.equal(judgeVital('blood-pressure', [142, 91], 40)?.word, 'High');
    assert.equal(judgeVital('blood-pressure', [85, 55], 40)?.word, 'Low');
    assert.equal(judgeVital('heart-rate', [110], 40)?.word, 'High');
    assert.equal(judgeVital('bmi', [31], 40)?.word, 'Above healthy');
    assert.equal(judgeVital('weight', [80], 40), undefined);
    assert.equal(judgeVital('heart-rate', [110], 6), undefined);
    assert.equal(judgeVital('heart-rate', [110], undefined), undefined);
  });

  it('lists the latest result of each test, newest first', () => {
    const results = [
      lab('old', 'chol', 180, '2025-01-01', { high: 200 }),
      lab('new', 'chol', 230, '2026-06-01', { high: 200 }),
      lab('glucose', 'glu', 90, '2026-03-01', { low: 70, high: 99 }),
    ];
    assert.deepEqual(
      latestLabResults(results, 10, 40).map(({ result, verdict }) => [result.id, verdict.word]),
      [
        ['new', 'High'],
        ['glucose', 'Normal'],
      ],
    );
    assert.equal(latestLabResults(results, 1, 40).length, 1);
  });

  it('reads the latest blood pressure with both values judged together', () => {
    const readings = latestVitalReadings(
      [bloodPressure('1', 150, 95, '2025-01-01T10:00:00Z'), bloodPressure('2', 117, 75, '2026-01-01T10:00:00Z')],
      50,
    );
    assert.equal(readings.length, 1);
    assert.equal(readings[0]?.text, '117/75 mmHg');
    assert.equal(readings[0]?.verdict?.word, 'Normal');
  });
});

describe('appointments', () => {
  const appointments = [
    appointment('past-1', '2026-06-01T09:00:00Z', 'fulfilled'),
    appointment('next-2', '2026-12-10T09:00:00Z', 'booked'),
    appointment('next-1', '2026-11-27T08:15:00Z', 'booked'),
    appointment('past-2', '2026-10-10T09:00:00Z', 'cancelled'),
    appointment('unscheduled', undefined, 'proposed'),
  ];

  it('splits at now: upcoming soonest first (unscheduled last), past most recent first', () => {
    const { upcoming, past } = splitAppointments(appointments, NOW);
    assert.deepEqual(
      upcoming.map((item) => item.id),
      ['next-1', 'next-2', 'unscheduled'],
    );
    assert.deepEqual(
      past.map((item) => item.id),
      ['past-2', 'past-1'],
    );
  });

  it('tells status, title, participants and how far off in plain words', () => {
    assert.deepEqual(appointmentStatus('fulfilled'), { word: 'Attended', tone: 'ok' });
    assert.deepEqual(appointmentStatus('noshow'), { word: 'Missed', tone: 'error' });
    assert.equal(appointmentTitle({ ...appointments[0]!, description: undefined }), 'Appointment');
    assert.equal(
      appointmentTitle({ ...appointments[0]!, description: undefined, serviceType: [{ text: 'Blood test' }] }),
      'Blood test',
    );
    assert.deepEqual(appointmentParticipants(appointments[0]!), [
      { reference: 'Practitioner/pr-1', display: 'Dr. June Kassulke' },
    ]);
    const noon = new Date(2026, 10, 24, 12);
    assert.equal(daysUntil(new Date(2026, 10, 24, 18).toISOString(), noon), 'today');
    assert.equal(daysUntil(new Date(2026, 10, 25, 8).toISOString(), noon), 'tomorrow');
    assert.equal(daysUntil(new Date(2026, 10, 27, 8).toISOString(), noon), 'in 3 days');
    assert.equal(daysUntil(new Date(2026, 10, 20, 8).toISOString(), noon), undefined);
  });

  it('writes an upcoming appointment as an iCalendar event with escaped text', () => {
    const ics = toICalendar({ ...appointments[2]!, description: 'Lab; fasting, please' }, 'Dr. June Kassulke', NOW);
    assert.ok(ics);
    assert.match(ics, /^BEGIN:VCALENDAR\r\n/);
    assert.match(ics, /\r\nDTSTART:20261127T081500Z\r\n/);
    assert.match(ics, /\r\nDTEND:20261127T084500Z\r\n/);
    assert.match(ics, /\r\nSUMMARY:Lab\\; fasting\\, please\r\n/);
    assert.equal(toICalendar(appointments[4]!, undefined, NOW), undefined);
  });
});

describe('record download', () => {
  const patient: Resource = {
    resourceType: 'Patient',
    id: 'p-1',
    name: [{ given: ['Adan632'], family: 'Portillo' }],
    birthDate: '1970-03-05',
    gender: 'male',
  };
  const practitioner: Resource = { resourceType: 'Practitioner', id: 'pr-1', name: [{ family: 'Kassulke' }] };
  const page = (entries: Resource[], next?: string): Bundle => ({
    resourceType: 'Bundle',
    type: 'searchset',
    entry: entries.map((resource) => ({
      fullUrl: `http://x/fhir/R4/${resource.resourceType}/${resource.id ?? ''}`,
      resource,
    })),
    ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
  });

  it('joins the pages into one collection, each resource once', () => {
    const bundle = combineEverythingPages(
      [page([patient, practitioner]), page([practitioner, lab('o-1', 'chol', 180, '2025-01-01')])],
      NOW,
    );
    assert.equal(bundle.type, 'collection');
    assert.equal(bundle.timestamp, NOW.toISOString());
    assert.deepEqual(
      resourcesOf(bundle).map((resource) => `${resource.resourceType}/${resource.id ?? ''}`),
      ['Patient/p-1', 'Practitioner/pr-1', 'Observation/o-1'],
    );
  });

  it('follows next links with the same client until the last page', async () => {
    const asked: string[] = [];
    const pages: Record<string, Bundle> = {
      '/fhir/R4/Patient/p-1/$everything': page(
        [patient],
        'http://x/fhir/R4/Patient/p-1/$everything?_cursor=a&_count=1000',
      ),
      '/fhir/R4/Patient/p-1/$everything?_cursor=a&_count=1000': page([practitioner]),
    };
    const client: HttpClient = {
      get: <T>(path: string, query?: Record<string, unknown>) => {
        asked.push(`${path} ${JSON.stringify(query)}`);
        const answer = pages[path];
        return answer ? Promise.resolve(answer as T) : Promise.reject(new Error(`unexpected ${path}`));
      },
      send: () => Promise.reject(new Error('no writes')),
    };
    const progress: number[] = [];
    const bundle = await fetchRecordBundle(client, 'p-1', {
      onProgress: (step) => progress.push(step.resources),
      now: () => NOW,
    });
    assert.deepEqual(asked, [
      '/fhir/R4/Patient/p-1/$everything {"_count":1000}',
      '/fhir/R4/Patient/p-1/$everything?_cursor=a&_count=1000 {}',
    ]);
    assert.deepEqual(progress, [1, 2]);
    assert.equal(bundle.entry?.length, 2);
  });

  it('names the files by patient and day', () => {
    assert.equal(recordFileName('José Núñez', NOW, 'json'), 'health-record-jose-nunez-2026-11-24.json');
    assert.equal(recordFileName('', NOW, 'pdf'), 'health-record-patient-2026-11-24.pdf');
  });

  it('summarises the record with plain-language verdicts and upcoming appointments', () => {
    const summary = buildRecordSummary(
      [
        patient,
        bloodPressure('bp', 142, 91, '2026-01-01T10:00:00Z'),
        lab('chol', 'chol', 230, '2026-06-01', { high: 200 }),
        appointment('next-1', '2026-11-27T08:15:00Z', 'booked'),
        appointment('past-1', '2026-06-01T09:00:00Z', 'fulfilled'),
        {
          resourceType: 'Condition',
          id: 'c-1',
          subject: { reference: 'Patient/p-1' },
          clinicalStatus: { coding: [{ code: 'active' }] },
          code: { text: 'Hypertension' },
          onsetDateTime: '2019-04-01',
        },
      ],
      NOW,
    );
    assert.equal(summary.patientName, 'Adan632 Portillo');
    assert.equal(summary.facts, 'Born 1970-03-05 · male · 56 years');
    const section = (title: string) => summary.sections.find((candidate) => candidate.title === title)?.lines;
    assert.deepEqual(section('Current health problems'), ['Hypertension (since 2019-04-01)']);
    assert.deepEqual(section('Latest measurements'), ['Blood pressure: 142/91 mmHg on 2026-01-01 — High']);
    assert.deepEqual(section('Latest test results'), ['Test chol: 230 mg/dL on 2026-06-01 — High']);
    assert.equal(section('Upcoming appointments')?.length, 1);
    assert.deepEqual(section('Allergies'), []);
  });

  it('draws the summary as a PDF whose text names the patient', async () => {
    const summary = buildRecordSummary([patient, lab('chol', 'chol', 230, '2026-06-01', { high: 200 })], NOW);
    const pdf = await renderRecordPdf(summary);
    assert.equal(Buffer.from(pdf.subarray(0, 5)).toString('latin1'), '%PDF-');
    const text = extractPdfText(pdf);
    assert.ok(text.includes('Adan632 Portillo'), text.join(' | '));
    assert.ok(text.includes('Latest test results'));
    assert.ok(text.some((line) => line.includes('230 mg/dL')));
  });

  it('starts new pages for a long record and numbers them', async () => {
    const problems = Array.from({ length: 150 }, (_, index) => ({
      resourceType: 'Condition' as const,
      id: `c-${index}`,
      subject: { reference: 'Patient/p-1' },
      clinicalStatus: { coding: [{ code: 'active' }] },
      code: { text: `Problem number ${index}` },
    }));
    const pdf = await renderRecordPdf(buildRecordSummary([patient, ...problems], NOW));
    const text = extractPdfText(pdf);
    const footers = text.filter((line) => /Page \d+ of \d+$/.test(line));
    assert.ok(footers.length >= 3, `${footers.length} pages`);
    assert.ok(footers.every((line, index) => line.endsWith(`Page ${index + 1} of ${footers.length}`)));
    assert.ok(text.includes('Problem number 149 (since —)'));
  });
});

describe('PDF text', () => {
  it('keeps what the standard fonts draw and replaces the rest', () => {
    assert.equal(toWinAnsi('Müller – 37 °C · 120 kg/m²'), 'Müller – 37 °C · 120 kg/m²');
    assert.equal(toWinAnsi('≥ 60, SpO₂\nnext'), '>= 60, SpO2 next');
    assert.equal(toWinAnsi('李'), '?');
  });

  it('wraps at spaces by measured width and cuts words longer than a line', () => {
    const measure = (text: string) => text.length;
    assert.deepEqual(wrapText('one two three four', 9, measure), ['one two', 'three', 'four']);
    assert.deepEqual(wrapText('abcdefghijkl', 5, measure), ['abcde', 'fghij', 'kl']);
    assert.deepEqual(wrapText('', 5, measure), []);
  });
});

describe('documents and care team', () => {
  const origin = 'https://caregraph.example';

  it('reads attachments only from this server or inline', () => {
    assert.equal(binaryPath('Binary/b-1', origin), '/fhir/R4/Binary/b-1');
    assert.equal(binaryPath(`${origin}/fhir/R4/Binary/b-1`, origin), '/fhir/R4/Binary/b-1');
    assert.equal(binaryPath('https://elsewhere.example/fhir/R4/Binary/b-1', origin), undefined);
    assert.equal(binaryPath(`${origin}/fhir/R4/Patient/p-1`, origin), undefined);
    assert.equal(canLoadAttachment({ data: 'aGk=' }, origin), true);
    assert.equal(canLoadAttachment({ url: 'https://elsewhere.example/x.pdf' }, origin), false);
  });

  it('names saved files by title and type, and decodes base64', () => {
    assert.equal(
      attachmentFileName({ title: 'After-visit summary', contentType: 'text/plain; charset=utf-8' }, 'Document'),
      'After-visit-summary.txt',
    );
    assert.equal(attachmentFileName({ contentType: 'application/pdf' }, 'Discharge letter'), 'Discharge-letter.pdf');
    assert.equal(attachmentFileName({ title: 'scan.pdf', contentType: 'application/pdf' }, 'x'), 'scan.pdf');
    assert.equal(mediaType('Text/Plain; charset=utf-8'), 'text/plain');
    assert.equal(new TextDecoder().decode(base64ToBytes('aGVs\nbG8=')), 'hello');
  });

  it('names clinicians from their resource, else the reference display, never an id', () => {
    assert.equal(formatPractitionerName({ prefix: ['Dr.'], given: ['June'], family: 'Kassulke' }), 'Dr. June Kassulke');
    const named = new Map([
      ['Practitioner/pr-1', { resourceType: 'Practitioner' as const, name: [{ family: 'Kassulke', given: ['June'] }] }],
    ]);
    assert.equal(displayNameOf({ reference: 'Practitioner/pr-1', display: 'old name' }, named), 'June Kassulke');
    assert.equal(displayNameOf({ reference: 'Practitioner/pr-2', display: 'Dr. Moen' }, named), 'Dr. Moen');
    assert.equal(displayNameOf({ reference: 'Practitioner/pr-3' }, undefined), 'a member of your care team');
  });
});

describe('access history', () => {
  const entry = {
    action: 'read' as const,
    what: {
      resources: [
        { resourceType: 'Observation', id: 'o-1' },
        { resourceType: 'Patient', id: 'p-1' },
      ],
      resourceCount: 2,
    },
  };

  it('says what was done and by whom in plain words', () => {
    assert.equal(describeAccess(entry), 'Viewed results and measurements, your details');
    assert.equal(
      describeAccess({ ...entry, what: { ...entry.what, detail: '$everything' } }),
      'Opened your whole record',
    );
    assert.equal(
      describeAccessor({ kind: 'user', displayName: 'Dr Demo Clinician', roles: ['clinician'], isYou: false }),
      'Dr Demo Clinician (Clinician)',
    );
    assert.equal(
      describeAccessor({ kind: 'user', displayName: 'Demo Patient', roles: ['patient'], isYou: true }),
      'You',
    );
    assert.equal(
      describeAccessor({ kind: 'service', displayName: 'lab-feed', roles: [], isYou: false }),
      'lab-feed (a connected system)',
    );
  });

  it('names the declared purpose, and break-glass with its reason', () => {
    assert.equal(describePurpose(undefined), undefined);
    assert.equal(describePurpose({ code: 'TREAT', isBreakGlass: false }), 'Your care');
    assert.equal(
      describePurpose({ code: 'BTG', isBreakGlass: true, reason: 'unconscious in ED' }),
      'Emergency access: unconscious in ED',
    );
  });

  it("folds one person's accesses within minutes into one visit, in the order they were done", () => {
    const access = (id: string, recorded: string, who: string, overrides: Partial<AccessEntry> = {}): AccessEntry => ({
      id,
      recorded,
      action: 'search',
      outcome: 'success',
      who: { kind: 'user', displayName: who, roles: ['clinician'], isYou: false },
      what: { resources: [{ resourceType: 'Observation' }], resourceCount: 1 },
      ...overrides,
    });
    // Newest first, as the server answers.
    const visits = groupAccessVisits([
      access('6', '2026-11-24T10:30:00Z', 'Dr A'),
      access('5', '2026-11-24T09:05:00Z', 'Dr A', {
        action: 'search',
        what: { resources: [{ resourceType: 'Condition' }], resourceCount: 1 },
      }),
      access('4', '2026-11-24T09:03:00Z', 'Dr A'),
      access('3', '2026-11-24T09:01:00Z', 'Dr A', {
        action: 'read',
        what: { resources: [{ resourceType: 'Patient', id: 'p-1' }], resourceCount: 1 },
        purpose: { code: 'BTG', isBreakGlass: true, reason: 'emergency' },
      }),
      access('2', '2026-11-24T09:00:00Z', 'Nurse B', { outcome: 'refused' }),
      access('1', '2026-11-24T08:59:00Z', 'Dr A'),
    ]);
    assert.deepEqual(
      visits.map((visit) => [visit.who.displayName, visit.earliest.slice(11, 16), visit.latest.slice(11, 16)]),
      [
        ['Dr A', '10:30', '10:30'],
        ['Dr A', '09:01', '09:05'],
        ['Nurse B', '09:00', '09:00'],
        ['Dr A', '08:59', '08:59'],
      ],
    );
    assert.deepEqual(visits[1]?.actions, [
      'Viewed your details',
      'Looked up results and measurements',
      'Looked up health problems',
    ]);
    assert.equal(visits[1]?.isBreakGlass, true);
    assert.deepEqual(visits[1]?.purposes, ['Emergency access: emergency']);
    assert.deepEqual(visits[2]?.refused, ['Looked up results and measurements']);
    assert.deepEqual(visits[2]?.actions, []);
  });
});

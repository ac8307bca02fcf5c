// Browser test of the patient portal against the real server with the demo data: the demo patient
// signs in, sees their own record (numbers checked against the FHIR API), appointments and
// documents, downloads the record as a FHIR Bundle and as a PDF, sees a clinician's visit to their
// chart in the access history, and cannot open another patient's chart. Needs a web build
// (`npm run build -w @caregraph/web`) and Chromium at /usr/bin/chromium.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { findAccessibilityViolations } from './browser.ts';
import { extractPdfText } from './portal-files.ts';
import type { RunningServer } from './server.ts';
import { accessTokenOf, getApiJson, signIn, startBrowserSession, type BrowserSession } from './session.ts';

/** The current set of screenshots for the docs; the run's own copies go to a temporary folder. */
const DOCS_SCREENSHOTS = path.resolve(import.meta.dirname, '../../../docs/screenshots');

type Coding = { system?: string; code?: string };
type Quantity = { value?: number };
type Resource = { resourceType: string; id: string };
type Observation = Resource & {
  code: { coding?: Coding[] };
  effectiveDateTime?: string;
  valueQuantity?: Quantity;
  component?: { code: { coding?: Coding[] }; valueQuantity?: Quantity }[];
};
type Condition = Resource & { clinicalStatus?: { coding?: Coding[] } };
type Appointment = Resource & { start?: string };
type Patient = Resource & { name?: { given?: string[]; family?: string }[] };
type Bundle<T> = { resourceType: 'Bundle'; type: string; total?: number; entry?: { resource: T }[] };

const hasLoinc = (concept: { coding?: Coding[] }, code: string) =>
  (concept.coding ?? []).some((coding) => coding.system === 'http://loinc.org' && coding.code === code);

/** The systolic value of a blood pressure panel's component or of a stand-alone 8480-6 Observation. */
function systolicOf(observation: Observation): number | undefined {
  if (hasLoinc(observation.code, '8480-6')) {
    return observation.valueQuantity?.value;
  }
  return observation.component?.find((component) => hasLoinc(component.code, '8480-6'))?.valueQuantity?.value;
}

/** The `patient` claim of a JWT access token. */
function launchPatientOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    patient?: string;
  };
  assert.ok(payload.patient, 'the patient token carries its patient');
  return payload.patient;
}

describe('patient portal', () => {
  let session: BrowserSession | undefined;
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let patientId: string;
  let token: string;
  const screenshotDir = mkdtempSync(path.join(tmpdir(), 'caregraph-web-portal-'));

  const screenshot = async (target: Page, name: string) => {
    await target.screenshot({ path: path.join(screenshotDir, name), fullPage: true });
    await target.screenshot({ path: path.join(DOCS_SCREENSHOTS, name) });
  };

  const expectNoViolations = async (target: Page, where: string) => {
    assert.deepEqual(await findAccessibilityViolations(target), [], where);
  };

  /** Opens a portal section by its tab and waits until nothing in it is loading. */
  const openSection = async (name: string) => {
    await page.getByRole('navigation', { name: 'Portal sections' }).getByRole('link', { name, exact: true }).click();
    await page.waitForFunction(
      `document.querySelector('nav[aria-label="Portal sections"] [aria-current="page"]')?.textContent === ${JSON.stringify(name)}`,
    );
    await page.waitForFunction(`!/Loading/.test(document.querySelector('main').innerText)`);
  };

  /** Clicks a button that saves a file and returns the file's bytes. */
  const download = async (button: Locator): Promise<Buffer> => {
    const [saved] = await Promise.all([page.waitForEvent('download'), button.click()]);
    const file = await saved.path();
    return readFileSync(file);
  };

  /** The patient's own FHIR data, read with their own token (what the portal may show them). */
  const patientApi = async <T>(pathAndQuery: string): Promise<T> => {
    const response = await fetch(`${server.baseUrl}${pathAndQuery}`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200, `GET ${pathAndQuery}`);
    return (await response.json()) as T;
  };

  before(async () => {
    mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
    session = await startBrowserSession({ demoData: true });
    ({ server } = session);
    browser = session.page.context().browser()!;
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    console.log(
      `# caregraph serve with demo data ready in ${session.serverStartMs} ms; screenshots in ${screenshotDir}`,
    );
    // 1. The demo patient signs in and lands in their portal.
    await signIn(page, 'patient', { baseUrl: server.baseUrl, path: '/portal' });
    token = await accessTokenOf(page);
    patientId = launchPatientOf(token);
  });

  after(async () => {
    await context.close().catch(() => {});
    await session?.close();
  });

  it('shows the patient their own record with the numbers of their FHIR data', async () => {
    const patient = await patientApi<Patient>(`/fhir/R4/Patient/${patientId}`);
    const name = [...(patient.name?.[0]?.given ?? []), patient.name?.[0]?.family].join(' ');
    await page.getByTestId('portal-patient-name').waitFor();
    assert.equal(await page.getByTestId('portal-patient-name').innerText(), name);
    await page.waitForFunction(`!/Loading/.test(document.querySelector('main').innerText)`);

    // The latest systolic pressure, as the FHIR data has it.
    const vitals = await patientApi<Bundle<Observation>>(
      `/fhir/R4/Observation?patient=${patientId}&category=vital-signs&_count=1000`,
    );
    const readings = (vitals.entry ?? []).flatMap(({ resource }) => {
      const value = systolicOf(resource);
      return value !== undefined && resource.effectiveDateTime
        ? [{ value, time: Date.parse(resource.effectiveDateTime) }]
        : [];
    });
    assert.ok(readings.length > 0, 'the demo patient has blood pressure readings');
    const latest = readings.reduce((newest, reading) => (reading.time > newest.time ? reading : newest));
    const shown = await page.getByTestId('portal-vital-blood-pressure').innerText();
    assert.match(shown, new RegExp(`\\b${Number(latest.value.toFixed(0))}/\\d+ mmHg`));

    // Vaccinations and current problems, counted by the server.
    const immunizations = await patientApi<Bundle<Resource>>(
      `/fhir/R4/Immunization?patient=${patientId}&_summary=count`,
    );
    assert.equal(await page.getByTestId('portal-vaccination-count').innerText(), `${immunizations.total} recorded`);
    const conditions = await patientApi<Bundle<Condition>>(`/fhir/R4/Condition?patient=${patientId}&_count=1000`);
    const current = (conditions.entry ?? []).filter(({ resource }) =>
      ['active', 'recurrence', 'relapse'].includes(resource.clinicalStatus?.coding?.[0]?.code ?? ''),
    ).length;
    assert.equal(
      await page.getByTestId('portal-current-problems-count').innerText(),
      current === 0 ? 'No current health problems.' : `${current} current`,
    );
    // Test results say in words what the flags mean.
    assert.match(await page.getByTestId('portal-test-results').innerText(), /Normal|High|Low|No range/);
    await expectNoViolations(page, 'my record');
    await screenshot(page, 'portal-record.png');
  });

  it('lists upcoming and past appointments', async () => {
    await openSection('Appointments');
    const appointments = await patientApi<Bundle<Appointment>>(`/fhir/R4/Appointment?patient=${patientId}&_count=100`);
    const starts = (appointments.entry ?? []).map(({ resource }) => Date.parse(resource.start ?? ''));
    assert.ok(
      starts.some((start) => start > Date.now()),
      'the demo patient has an upcoming appointment',
    );
    assert.ok(
      starts.some((start) => start < Date.now()),
      'the demo patient has a past appointment',
    );
    assert.equal(await page.getByTestId('portal-appointment').count(), starts.length);
    const main = await page.locator('main').innerText();
    assert.match(main, /Upcoming[\s\S]*Blood test: lipid panel[\s\S]*Past[\s\S]*Attended/);
    await expectNoViolations(page, 'appointments');
    await screenshot(page, 'portal-appointments.png');
  });

  it('opens and downloads a document', async () => {
    await openSection('Documents');
    const summary = page.getByTestId('portal-document').filter({ hasText: 'After-visit summary' });
    await summary.getByRole('button', { name: /^Open/ }).click();
    await summary.locator('pre').waitFor();
    assert.match(await summary.locator('pre').innerText(), /What to do next/);
    const saved = await download(summary.getByRole('button', { name: /^Download/ }));
    assert.match(saved.toString('utf8'), /^After-visit summary/);
    assert.ok((await page.getByTestId('portal-report').count()) > 0, 'the lab reports are listed');
    await expectNoViolations(page, 'documents');
    await screenshot(page, 'portal-documents.png');
  });

  it('shows the care team with names, not ids', async () => {
    await openSection('Care team');
    const careTeams = await patientApi<Bundle<Resource & { name?: string }>>(`/fhir/R4/CareTeam?patient=${patientId}`);
    const teamName = careTeams.entry?.[0]?.resource.name;
    assert.ok(teamName, 'the demo patient has a named care team');
    const teams = await page.getByTestId('portal-care-teams').innerText();
    assert.ok(teams.includes(teamName), teams);
    assert.doesNotMatch(teams, /Practitioner\/|a member of your care team/);
    await expectNoViolations(page, 'care team');
    await screenshot(page, 'portal-care-team.png');
  });

  it('downloads the whole record as a FHIR Bundle and as a PDF summary', async () => {
    await openSection('Download');
    const bundle = JSON.parse(
      (await download(page.getByRole('button', { name: 'Download FHIR record' }))).toString('utf8'),
    ) as Bundle<Resource>;
    assert.equal(bundle.resourceType, 'Bundle');
    assert.equal(bundle.type, 'collection');
    const resources = (bundle.entry ?? []).map((entry) => entry.resource);
    assert.ok(resources.some((resource) => resource.resourceType === 'Patient' && resource.id === patientId));
    // Every page of $everything was followed: as many of the patient's own Observations as a search finds.
    const observations = await patientApi<Bundle<Resource>>(`/fhir/R4/Observation?patient=${patientId}&_summary=count`);
    assert.equal(resources.filter((resource) => resource.resourceType === 'Observation').length, observations.total);

    const pdf = await download(page.getByRole('button', { name: 'Download PDF summary' }));
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    const text = extractPdfText(pdf);
    const name = await page.getByTestId('portal-patient-name').innerText();
    assert.ok(text.includes(name), `the PDF names ${name}`);
    assert.ok(text.includes('Upcoming appointments'));
    await page.getByTestId('portal-download-done').waitFor();
    await expectNoViolations(page, 'download');
    await screenshot(page, 'portal-download.png');
  });

  it("refuses another patient's chart, in the app and in the API", async () => {
    const all = await getApiJson<Bundle<Resource>>(server, '/fhir/R4/Patient?_count=20');
    const otherId = (all.entry ?? []).map(({ resource }) => resource.id).find((id) => id !== patientId);
    assert.ok(otherId, 'the demo data has a second patient');
    await page.goto(`${server.baseUrl}/patients/${otherId}`);
    const refusal = page.getByTestId('no-access');
    await refusal.waitFor();
    assert.match(await refusal.innerText(), /not available to your account/);
    const response = await fetch(`${server.baseUrl}/fhir/R4/Patient/${otherId}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(response.status, 403);
    await page.goto(`${server.baseUrl}/portal`);
    await page.getByTestId('portal-patient-name').waitFor();
  });

  it("shows a clinician's visit to the chart in who accessed my record", async () => {
    // 1. A clinician opens the patient's chart in a browser of their own.
    const clinician = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const clinicianPage = await clinician.newPage();
      await signIn(clinicianPage, 'clinician', { baseUrl: server.baseUrl, path: `/patients/${patientId}` });
      await clinicianPage.locator('.chart-header h1').waitFor();
    } finally {
      await clinician.close();
    }
    // 2. The patient sees it, by name and role, newest first; their own use is hidden until asked for.
    await openSection('Who accessed');
    const list = page.getByTestId('portal-access-list');
    await list.waitFor();
    const entries = await page.getByTestId('portal-access-entry').allInnerTexts();
    assert.match(entries[0] ?? '', /Demo Clinician \(Clinician\)/);
    assert.ok(entries.every((entry) => !entry.startsWith('You')));
    await page.getByLabel('Include my own use of the portal').check();
    await page.getByTestId('portal-access-entry').filter({ hasText: /^You/ }).first().waitFor();
    await expectNoViolations(page, 'who accessed');
    await screenshot(page, 'portal-access.png');
  });

  it('fits a phone screen', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    try {
      const phonePage = await phone.newPage();
      await signIn(phonePage, 'patient', { baseUrl: server.baseUrl, path: '/portal/appointments' });
      await phonePage.getByTestId('portal-appointment').first().waitFor();
      const overflow = await phonePage.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      assert.equal(overflow, 0, 'no sideways scrolling');
      await expectNoViolations(phonePage, 'phone appointments');
      await screenshot(phonePage, 'portal-phone-dark.png');
    } finally {
      await phone.close();
    }
  });
});

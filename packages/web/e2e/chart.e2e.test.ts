// Browser test of the patient chart against the real server with the demo patients and the shipped
// terminology (for the typeahead). Needs a web build (`npm run build -w @caregraph/web`) and
// Chromium at /usr/bin/chromium.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { findAccessibilityViolations } from './browser.ts';
import type { RunningServer } from './server.ts';
import {
  expectPatientNotFound,
  getApiJson,
  openPatientFromList,
  signIn,
  startBrowserSession,
  type BrowserSession,
} from './session.ts';

type Coding = { system?: string; code?: string };
type Quantity = { value?: number };
type Observation = {
  resourceType: 'Observation';
  id: string;
  code: { coding?: Coding[] };
  effectiveDateTime?: string;
  valueQuantity?: Quantity;
  component?: { code: { coding?: Coding[] }; valueQuantity?: Quantity }[];
};
type Bundle<T> = { entry?: { resource: T }[] };

const hasCode = (concept: { coding?: Coding[] }, code: string) =>
  (concept.coding ?? []).some((coding) => coding.system === 'http://loinc.org' && coding.code === code);

/** The systolic value of an Observation: a blood pressure panel's component or a stand-alone 8480-6. */
function systolicOf(observation: Observation): number | undefined {
  if (hasCode(observation.code, '8480-6')) {
    return observation.valueQuantity?.value;
  }
  return observation.component?.find((component) => hasCode(component.code, '8480-6'))?.valueQuantity?.value;
}

describe('patient chart', () => {
  let session: BrowserSession | undefined;
  let server: RunningServer;
  let page: Page;
  let patientId: string;

  /** The latest systolic pressure in the patient's FHIR data, found without the web app's code. */
  const latestSystolic = async () => {
    const bundle = await getApiJson<Bundle<Observation>>(
      server,
      `/fhir/R4/Observation?patient=${patientId}&_count=1000`,
    );
    const readings = (bundle.entry ?? []).flatMap(({ resource }) => {
      const value = systolicOf(resource);
      return value !== undefined && resource.effectiveDateTime
        ? [{ value, time: Date.parse(resource.effectiveDateTime) }]
        : [];
    });
    assert.ok(readings.length > 0, 'the demo patient has blood pressure readings');
    return readings.reduce((latest, reading) => (reading.time > latest.time ? reading : latest)).value;
  };

  /** Opens a section of the chart by its tab and waits until nothing in it is loading. */
  const openSection = async (name: string) => {
    const tab = page.getByRole('navigation', { name: 'Chart sections' }).getByRole('link', { name, exact: true });
    await tab.click();
    // The tab is marked current in the same render that shows its section.
    await page.waitForFunction(
      `document.querySelector('nav[aria-label="Chart sections"] [aria-current="page"]')?.textContent === ${JSON.stringify(name)}`,
    );
    await page.waitForFunction(`!/Loading/.test(document.querySelector('main').innerText)`);
  };

  const expectNoViolations = async (where: string) => {
    assert.deepEqual(await findAccessibilityViolations(page), [], where);
  };

  /** Types into the typeahead and picks the first suggestion with the keyboard; returns its text. */
  const pickFirstSuggestion = async (label: RegExp, text: string) => {
    const combobox = page.getByRole('combobox', { name: label });
    await combobox.fill(text);
    const option = page.getByRole('option').first();
    await option.waitFor({ timeout: 10_000 });
    await combobox.press('ArrowDown');
    assert.equal(await combobox.getAttribute('aria-activedescendant'), await option.getAttribute('id'));
    assert.equal(await option.getAttribute('aria-selected'), 'true');
    const display = (await option.locator('.combobox__display').innerText()).trim();
    await combobox.press('Enter');
    assert.equal(await combobox.getAttribute('aria-expanded'), 'false');
    assert.equal(await combobox.inputValue(), display);
    return display;
  };

  before(async () => {
    session = await startBrowserSession({ demoData: true, terminology: true });
    ({ server, page } = session);
    console.log(`# caregraph serve with demo data and terminology ready in ${session.serverStartMs} ms`);
  });

  after(() => session?.close());

  it('signs in as a clinician and opens a patient chart from the patient list', async () => {
    await signIn(page, 'clinician', { baseUrl: server.baseUrl, path: '/patients' });
    patientId = await openPatientFromList(page, 'Graham', /\/patients\/[^/]+$/);
    assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /Graham/);
  });

  it('shows the latest systolic blood pressure of the FHIR data on the summary', async () => {
    const expected = await latestSystolic();
    const shown = page.getByTestId('latest-blood-pressure').first();
    await shown.waitFor();
    // Shown in whole mmHg; Synthea writes many decimals.
    assert.match(await shown.innerText(), new RegExp(`^${Math.round(expected)}/\\d+ mmHg$`));
    assert.doesNotMatch(await page.getByTestId('header-active-problems').innerText(), /loading|could not/);
    await expectNoViolations('summary');
  });

  it('shows every section with no accessibility violations', async () => {
    for (const name of [
      'Problems',
      'Medications',
      'Allergies',
      'Vitals',
      'Labs',
      'Encounters',
      'Immunizations',
      'Documents',
    ]) {
      await openSection(name);
      // Every section says something: rows, or why there are none.
      assert.ok((await page.locator('main .card').innerText()).trim().length > 20, name);
      await expectNoViolations(name);
    }
    await openSection('Labs');
    await page.getByTestId('lab-panel').first().waitFor();
    await page.getByTestId('lab-panel').first().locator('tbody th button').first().click();
    await page.getByTestId('analyte-trend').waitFor();
    await expectNoViolations('Labs with a trend');
    await openSection('Journey');
    await page.getByTestId('journey-graph').waitFor({ timeout: 30_000 });
    assert.match(page.url(), /\/journey$/);
    await expectNoViolations('Journey');
  });

  it('adds a blood pressure reading and shows it as the latest value and in the trend', async () => {
    await openSection('Vitals');
    const before = await page.locator('[data-testid="trend-blood-pressure"] circle').count();
    await page.getByRole('button', { name: 'Add vital sign' }).click();
    await page.getByLabel('Vital sign', { exact: true }).selectOption('blood-pressure');
    await page.getByLabel('Systolic (mmHg)').fill('187');
    await page.getByLabel('Diastolic (mmHg)').fill('97');
    await expectNoViolations('add vital form');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved the vital sign.' }).waitFor();
    await page.locator('[data-testid="trend-blood-pressure"] circle[data-value="187"]').waitFor();
    assert.equal(await page.locator('[data-testid="trend-blood-pressure"] circle').count(), before + 2);
    assert.equal(await page.getByTestId('latest-blood-pressure').innerText(), '187/97 mmHg');
    assert.equal(await latestSystolic(), 187);
  });

  it('adds a problem picked in the typeahead and lists it', async () => {
    await openSection('Problems');
    await page.getByRole('button', { name: 'Add problem' }).click();
    const combobox = page.getByRole('combobox', { name: /Problem/ });
    await combobox.fill('diab');
    await page.getByRole('option').first().waitFor({ timeout: 10_000 });
    const codes = await page.locator('.combobox__code').allInnerTexts();
    assert.ok(
      codes.every((text) => /·/.test(text)),
      'each suggestion names its code system',
    );
    await expectNoViolations('typeahead open');
    const display = await pickFirstSuggestion(/Problem/, 'diab');
    await page.getByLabel('Onset date').fill('2021-03-04');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved the problem.' }).waitFor();
    const row = page
      .getByTestId('problems-table')
      .locator('tr', { hasText: display })
      .filter({ hasText: '2021-03-04' });
    await row.first().waitFor();
    assert.match(await row.first().innerText(), /active/);
    assert.match(await page.getByTestId('header-active-problems').innerText(), new RegExp(display));
  });

  it('shows the server validation error inline when a resolved date is given for an active problem', async () => {
    await page.getByRole('button', { name: 'Add problem' }).click();
    await pickFirstSuggestion(/Problem/, 'asthma');
    await page.getByLabel('Clinical status').selectOption('active');
    await page.getByLabel('Resolved on (optional)').fill('2022-01-01');
    await page.getByRole('button', { name: 'Save' }).click();
    const issues = page.getByTestId('outcome-issues');
    await issues.waitFor();
    // FHIR R4 invariant con-4: an abated condition must be inactive, resolved or in remission.
    assert.match(await issues.innerText(), /con-4/);
    assert.equal(await page.getByRole('button', { name: 'Save' }).isVisible(), true, 'the form stays open');
    await expectNoViolations('validation error');
    await page.getByLabel('Clinical status').selectOption('resolved');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved the problem.' }).waitFor();
    await page.getByTestId('problems-table').locator('tr', { hasText: '2022-01-01' }).first().waitFor();
  });

  it('adds a medication, an allergy and a flagged lab result through the typeahead', async () => {
    await openSection('Medications');
    await page.getByRole('button', { name: 'Add medication' }).click();
    const medication = await pickFirstSuggestion(/Medication/, 'metoprolol');
    assert.match(await page.locator('.combobox__hint').innerText(), /RxNorm/);
    await page.getByLabel('Dosage').fill('1 tablet daily');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved the medication.' }).waitFor();
    const prescription = page.getByTestId('medication-requests-table').locator('tr', { hasText: '1 tablet daily' });
    await prescription.waitFor();
    assert.ok((await prescription.innerText()).includes(medication));

    await openSection('Allergies');
    await page.getByRole('button', { name: 'Add allergy' }).click();
    const substance = await pickFirstSuggestion(/Substance/, 'peanut');
    await page.getByLabel('Criticality').selectOption('high');
    await page.getByLabel('Reaction').fill('Hives');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('allergies-table').locator('tr', { hasText: 'Hives' }).waitFor();
    assert.ok((await page.getByTestId('header-allergies').innerText()).includes(substance));

    await openSection('Labs');
    await page.getByRole('button', { name: 'Add lab result' }).click();
    await pickFirstSuggestion(/Test/, '2339-0');
    await page.getByLabel('Value', { exact: true }).fill('250');
    await page.getByLabel(/^Unit/).fill('mg/dL');
    await page.getByLabel('Range low (optional)').fill('70');
    await page.getByLabel('Range high (optional)').fill('99');
    await page.getByRole('button', { name: 'Save' }).click();
    const row = page.getByTestId('lab-panel').locator('tr', { hasText: '250 mg/dL' });
    await row.waitFor();
    assert.match(await row.innerText(), /70–99\s+H/);
    await expectNoViolations('Labs after adding a result');
  });

  it('explains an unknown patient instead of showing an empty chart', async () => {
    await expectPatientNotFound(page, `${server.baseUrl}/patients/no-such-patient`);
  });
});

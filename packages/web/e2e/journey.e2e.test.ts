// Browser test of sign-in, patient search and the journey page against the real server with the
// demo patients. Needs a web build (`npm run build -w @caregraph/web`) and Chromium at /usr/bin/chromium.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { findAccessibilityViolations } from './browser.ts';
import type { RunningServer } from './server.ts';
import {
  completeServerSignIn,
  DEMO_SIGN_INS,
  expectPatientNotFound,
  getApiJson,
  openPatientFromList,
  startBrowserSession,
  systemHeaders,
  type BrowserSession,
} from './session.ts';

type Node = { ref: string; resourceType: string; time?: string | null };
type Edge = { from: string; to: string; relation: string };
type Resource = { resourceType: string; id: string; encounter?: { reference?: string } };
type Bundle = { entry?: { resource: Resource }[]; link?: { relation: string; url: string }[] };

/** The `data-ref` of each element (run in the page). */
const dataRefs = (elements: { getAttribute: (name: string) => string | null }[]) =>
  elements.map((element) => element.getAttribute('data-ref'));

describe('patient journey pages', () => {
  let session: BrowserSession | undefined;
  let server: RunningServer;
  let page: Page;
  let patientId: string;

  /** The whole journey, every page, through the API. */
  const readJourney = async () => {
    const nodes: Node[] = [];
    const edges: Edge[] = [];
    let cursor: string | undefined;
    do {
      const page = await getApiJson<{ nodes: Node[]; edges: Edge[]; next?: string | null }>(
        server,
        `/api/patients/${patientId}/journey?_count=1000${cursor ? `&_cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      nodes.push(...page.nodes);
      edges.push(...page.edges);
      cursor = page.next ?? undefined;
    } while (cursor);
    return { nodes, edges };
  };

  /** Every resource of a type in the patient's compartment, straight from FHIR search. */
  const searchAll = async (type: string): Promise<Resource[]> => {
    const bundle = await getApiJson<Bundle>(server, `/fhir/R4/${type}?patient=${patientId}&_count=1000`);
    return (bundle.entry ?? []).map((entry) => entry.resource);
  };

  before(async () => {
    session = await startBrowserSession({ demoData: true });
    ({ server, page } = session);
  });

  after(() => session?.close());

  it('asks for sign-in, refuses a wrong password, and returns to the page that asked', async () => {
    await page.goto(`${server.baseUrl}/patients`);
    await page.waitForURL(/\/sign-in\?returnTo=%2Fpatients$/);
    assert.deepEqual(await findAccessibilityViolations(page), []);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByLabel('E-mail address').waitFor();
    await page.getByLabel('E-mail address').fill(DEMO_SIGN_INS.clinician.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.match(page.url(), /\/oauth\/interaction\//);
    await completeServerSignIn(page, DEMO_SIGN_INS.clinician);
    await page.waitForURL(/\/patients$/);
  });

  it('lists the demo patients and finds one by name as you type', async () => {
    const total = (await getApiJson<{ total: number }>(server, '/fhir/R4/Patient?_summary=count')).total;
    await page.getByRole('table').waitFor();
    assert.equal(await page.locator('tbody tr').count(), total);
    assert.deepEqual(await findAccessibilityViolations(page), []);
    // The name opens the patient's chart; the journey has its own address within it.
    patientId = await openPatientFromList(page, 'Graham', /\/patients\/[^/]+(\/[a-z-]+)?$/);
    await page.goto(`${server.baseUrl}/patients/${encodeURIComponent(patientId)}/journey`);
    await page.getByTestId('journey-graph').waitFor({ timeout: 30_000 });
  });

  it('draws every node of the journey and highlights the path through a shared encounter', async () => {
    const journey = await readJourney();
    assert.equal(await page.locator('[data-testid="journey-graph"] circle[data-ref]').count(), journey.nodes.length);
    assert.match(await page.getByTestId('journey-counts').innerText(), new RegExp(`^${journey.nodes.length} events`));

    // An Observation and a Condition recorded in the same encounter are joined through it.
    const observations = await searchAll('Observation');
    const conditions = await searchAll('Condition');
    const pair = conditions.flatMap((condition) => {
      const observation = observations.find((o) => o.encounter?.reference === condition.encounter?.reference);
      return observation && condition.encounter?.reference ? [{ condition, observation }] : [];
    })[0];
    assert.ok(pair, 'the demo patient has a condition and an observation from one encounter');
    const from = `Observation/${pair.observation.id}`;
    const to = `Condition/${pair.condition.id}`;
    const encounter = pair.condition.encounter!.reference!;

    // Nodes are buttons: chosen from the keyboard, as nodes close in time may overlap until zoomed in.
    await page.locator(`circle[data-ref="${from}"]`).press('Enter');
    await page.getByRole('button', { name: 'Path from here' }).click();
    await page.locator(`circle[data-ref="${to}"]`).press('Enter');
    await page.getByRole('button', { name: 'Path to here' }).click();
    await page.locator('[data-testid="path-summary"] li').first().waitFor();
    const steps = await page.locator('[data-testid="path-summary"] li').evaluateAll(dataRefs);
    assert.deepEqual(steps, [from, encounter, to]);
    const lit = await page.locator('circle.node--highlight').evaluateAll(dataRefs);
    assert.deepEqual(lit.sort(), [from, encounter, to].sort());
    assert.deepEqual(await findAccessibilityViolations(page), []);
  });

  it('shows the FHIR resource behind a node', async () => {
    await page.getByRole('button', { name: 'Show FHIR resource' }).click();
    const json = await page.locator('.node-details__json').innerText();
    assert.equal((JSON.parse(json) as Resource).resourceType, 'Condition');
  });

  it('draws every dated event on the timeline, counted into clusters when zoomed out', async () => {
    const journey = await readJourney();
    const dated = journey.nodes.filter((node) => node.time).length;
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await page.getByTestId('journey-timeline').waitFor();
    // Every bar is one event; every point mark carries how many events it stands for.
    const drawn = await page.evaluate<{ events: number; clusters: number }>(`(() => {
      const chart = document.querySelector('[data-testid="journey-timeline"]');
      const counts = [...chart.querySelectorAll('.timeline-mark')].map((mark) => Number(mark.dataset.count));
      return {
        events: chart.querySelectorAll('.timeline-bar').length + counts.reduce((sum, count) => sum + count, 0),
        clusters: counts.filter((count) => count > 1).length,
      };
    })()`);
    assert.equal(drawn.events, dated);
    assert.ok(drawn.clusters > 0, 'a multi-year history is aggregated at full zoom-out');
  });

  it('shows a new observation within seconds of its write, without reloading', async () => {
    await page.getByRole('tab', { name: 'Graph' }).click();
    await page.locator('.live-badge').waitFor({ timeout: 10_000 });
    const before = (await readJourney()).nodes.length;
    const response = await fetch(`${server.baseUrl}/fhir/R4/Observation`, {
      method: 'POST',
      headers: await systemHeaders(server, 'application/fhir+json'),
      body: JSON.stringify({
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
        subject: { reference: `Patient/${patientId}` },
        effectiveDateTime: new Date().toISOString(),
        valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
      }),
    });
    assert.equal(response.status, 201);
    const created = (await response.json()) as Resource;
    const written = Date.now();
    await page.locator(`circle[data-ref="Observation/${created.id}"]`).waitFor({ timeout: 5_000 });
    assert.ok(Date.now() - written < 5_000);
    assert.match(await page.getByTestId('journey-counts').innerText(), new RegExp(`^${before + 1} events`));
  });

  it('explains an unknown patient instead of showing an empty page', async () => {
    await expectPatientNotFound(page, `${server.baseUrl}/patients/no-such-patient/journey`);
  });
});

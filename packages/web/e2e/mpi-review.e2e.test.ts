// Browser test of the master patient index's review queue against the real server: near-duplicate
// patients written through the FHIR API become review tasks, and a reviewer decides them with the
// keyboard. Needs a web build (`npm run build -w @caregraph/web`) and Chromium at /usr/bin/chromium.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { findAccessibilityViolations } from './browser.ts';
import type { RunningServer } from './server.ts';
import { getApiJson, signIn, startBrowserSession, systemHeaders, type BrowserSession } from './session.ts';

type PatientCard = { id: string; name: string };
type ReviewSummary = { id: string; status: string; decision?: string; a: PatientCard; b: PatientCard };
type ReviewPage = { items: ReviewSummary[]; next?: string };

/**
 * Two records of one person as a second source system would send them: the same name, the birth
 * day mistyped in both digits, and a later address. Close enough to suspect, too different to link unasked.
 */
function nearDuplicates(given: string, family: string, birthDate: string, typo: string) {
  const first = {
    resourceType: 'Patient',
    meta: { source: 'registration' },
    name: [{ given: [given], family }],
    gender: 'female',
    birthDate,
    address: [{ line: ['12 Harbour Road'], city: 'Dunedin', postalCode: '9016' }],
  };
  const second = {
    ...first,
    meta: { source: 'lab-feed' },
    birthDate: typo,
    address: [{ line: ['7 Elm Street'], city: 'Christchurch', postalCode: '8011' }],
  };
  return [first, second];
}

async function createPatient(server: RunningServer, patient: object): Promise<string> {
  const response = await fetch(`${server.baseUrl}/fhir/R4/Patient`, {
    method: 'POST',
    headers: await systemHeaders(server, 'application/fhir+json'),
    body: JSON.stringify(patient),
  });
  assert.equal(response.status, 201, `POST Patient: ${await response.clone().text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** The open review task between two patients, failing with what the matcher did instead. */
async function findReview(server: RunningServer, ids: readonly string[]): Promise<ReviewSummary> {
  const page = await getApiJson<ReviewPage>(server, '/api/mpi/reviews?status=open&_count=100');
  const review = page.items.find((item) => ids.includes(item.a.id) && ids.includes(item.b.id));
  if (!review) {
    const persons = await getApiJson<{ total?: number }>(
      server,
      `/fhir/R4/Person?link=Patient/${ids[0]}&_total=accurate`,
    );
    assert.fail(
      `no open review between ${ids.join(' and ')}; open reviews: ${page.items.length}, ` +
        `golden records linking the first: ${persons.total ?? 'unknown'}`,
    );
  }
  return review;
}

async function postDecision(server: RunningServer, id: string, decision: string): Promise<number> {
  const response = await fetch(`${server.baseUrl}/api/mpi/reviews/${id}/decision`, {
    method: 'POST',
    headers: await systemHeaders(server, 'application/json'),
    body: JSON.stringify({ decision }),
  });
  return response.status;
}

/** The agreement shown for a field of the comparison, by its row heading. */
async function agreementOf(page: Page, field: string): Promise<string | null> {
  const row = page
    .getByTestId('review-comparison')
    .locator('tbody tr')
    .filter({
      has: page.locator('th', { hasText: new RegExp(`^${field}$`) }),
    });
  return row.getAttribute('data-agreement');
}

describe('duplicate review queue', () => {
  let session: BrowserSession | undefined;
  let server: RunningServer;
  let page: Page;
  let first: ReviewSummary;
  let second: ReviewSummary;
  const screenshotDir = mkdtempSync(path.join(tmpdir(), 'caregraph-web-screenshots-'));

  const expectNoViolations = async (where: string) => {
    assert.deepEqual(await findAccessibilityViolations(page), [], where);
  };

  before(async () => {
    session = await startBrowserSession({});
    ({ server, page } = session);
    console.log(`# caregraph serve ready in ${session.serverStartMs} ms`);
    // 1. Two pairs of near-duplicates arrive through the FHIR API; each pair becomes a review task.
    const pairs = [
      nearDuplicates('Margarethe', 'Vandersloot', '1956-04-09', '1956-04-18'),
      nearDuplicates('Ingeborg', 'Halvorsen', '1948-11-23', '1948-11-14'),
    ];
    const reviews: ReviewSummary[] = [];
    for (const pair of pairs) {
      const ids = [];
      for (const patient of pair) {
        ids.push(await createPatient(server, patient));
      }
      reviews.push(await findReview(server, ids));
    }
    [first, second] = reviews as [ReviewSummary, ReviewSummary];
  });

  after(() => session?.close());

  it('lists the open reviews with both names and the match grade', async () => {
    await signIn(page, 'admin', { baseUrl: server.baseUrl, path: '/admin/reviews' });
    const rows = page.locator('tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 2);
    const text = await page.locator('table').innerText();
    for (const name of ['Margarethe Vandersloot', 'Ingeborg Halvorsen', 'registration', 'lab-feed']) {
      assert.match(text, new RegExp(name));
    }
    assert.match(text, /\d+(\.\d)?%/);
    assert.equal(await page.getByRole('link', { name: 'Open', exact: true }).getAttribute('aria-current'), 'page');
    await expectNoViolations('queue');
  });

  it('compares the two records field by field with each weight', async (t) => {
    await page.getByRole('link', { name: new RegExp(`Review ${first.a.name} and ${first.b.name}`) }).click();
    await page.waitForURL(new RegExp(`/admin/reviews/${first.id}$`));
    await page.getByTestId('review-comparison').waitFor();
    assert.equal(await agreementOf(page, 'Family name'), 'agree');
    assert.equal(await agreementOf(page, 'Given name'), 'agree');
    assert.equal(await agreementOf(page, 'Birth date'), 'partial');
    assert.equal(await agreementOf(page, 'Street'), 'disagree');
    // Agreement is written out, not only coloured.
    const comparison = await page.getByTestId('review-comparison').innerText();
    assert.match(comparison, /Agrees/);
    assert.match(comparison, /Disagrees/);
    assert.match(comparison, /[+−]\d+\.\d/);
    await page
      .getByTestId('review-status')
      .filter({ hasText: /Waiting for a decision/ })
      .waitFor();
    // The heading has focus, so a screen reader announces which pair is open.
    assert.equal(await page.evaluate('document.activeElement?.id'), 'review-heading');
    await expectNoViolations('review');

    const screenshot = path.join(screenshotDir, 'admin-review.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    t.diagnostic(`screenshot: ${screenshot}`);
  });

  it('moves through the queue with j and k', async () => {
    await page.keyboard.press('j');
    await page.waitForURL(new RegExp(`/admin/reviews/${second.id}$`));
    await page.getByRole('heading', { name: new RegExp(second.a.name) }).waitFor();
    await page.keyboard.press('k');
    await page.waitForURL(new RegExp(`/admin/reviews/${first.id}$`));
    await page.getByTestId('review-comparison').waitFor();
  });

  it('asks which record survives a merge and cancels with Escape', async () => {
    await page.keyboard.press('m');
    const dialog = page.getByRole('dialog', { name: 'Merge the two records' });
    await dialog.waitFor();
    // The dialog's choices render just after the dialog itself: wait for them rather than look once.
    await dialog.getByRole('button', { name: /Keep record A/ }).waitFor();
    await dialog.getByRole('button', { name: /Keep record B/ }).waitFor();
    await expectNoViolations('merge dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    const review = await getApiJson<ReviewSummary>(server, `/api/mpi/reviews/${first.id}`);
    assert.equal(review.status, 'open');
  });

  it('marks a pair as not a match with `n` and moves on to the next open review', async () => {
    await page.keyboard.press('n');
    await page.waitForURL(new RegExp(`/admin/reviews/${second.id}$`));
    // The notice is written as the next review opens: wait for it rather than read it once.
    await page
      .getByTestId('review-notice')
      .getByText(/Marked as not a match/)
      .waitFor();
    const decided = await getApiJson<ReviewSummary>(server, `/api/mpi/reviews/${first.id}`);
    assert.equal(decided.status, 'closed');
    assert.equal(decided.decision, 'not-a-match');
    const open = await getApiJson<ReviewPage>(server, '/api/mpi/reviews?status=open');
    assert.deepEqual(
      open.items.map((item) => item.id),
      [second.id],
    );
  });

  it('says so when someone else decided the review first', async () => {
    await page.getByTestId('review-comparison').waitFor();
    assert.equal(await postDecision(server, second.id, 'link'), 200);
    await page.keyboard.press('l');
    await page
      .getByRole('alert')
      .filter({ hasText: /already decided/ })
      .waitFor();
    await page
      .getByTestId('review-status')
      .filter({ hasText: /Linked/ })
      .waitFor();
    assert.ok(await page.getByRole('button', { name: /Not a match/ }).isDisabled());
  });

  it('shows an empty queue, the decided reviews, and errors in words', async () => {
    await page.goto(`${server.baseUrl}/admin/reviews`);
    await page.getByTestId('review-queue-empty').waitFor();
    await expectNoViolations('empty queue');
    await page.getByRole('link', { name: 'Decided', exact: true }).click();
    await page.waitForURL(/status=closed/);
    await page.locator('tbody tr').nth(1).waitFor();
    assert.equal(await page.locator('tbody tr').count(), 2);

    await page.goto(`${server.baseUrl}/admin/reviews/no-such-review`);
    await page
      .getByRole('alert')
      .filter({ hasText: /not found/i })
      .waitFor();

    await page.route('**/api/mpi/reviews?**', (route) => route.abort('connectionrefused'));
    await page.goto(`${server.baseUrl}/admin/reviews`);
    await page
      .getByRole('alert')
      .filter({ hasText: /could not be reached/ })
      .waitFor({ timeout: 20_000 });
    await page.unroute('**/api/mpi/reviews?**');
  });
});

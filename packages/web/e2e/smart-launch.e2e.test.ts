// SMART App Launch, standalone, in a real browser: a tiny SMART app (served by this test from its
// own origin) uses the official JS client (fhirclient) to authorize against CareGraph, the demo
// patient signs in and allows access, and the app reads the patient it was launched with.
// Needs a web build (`npm run build -w @caregraph/web`) and Chromium at /usr/bin/chromium.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser.ts';
import { requireWebBuild, startServer, type RunningServer } from './server.ts';
import { accessTokenOf, signIn, systemHeaders } from './session.ts';

const SCOPE = 'launch/patient openid fhirUser patient/*.rs';
const DEMO_PATIENT = { email: 'patient@demo.caregraph.local', password: 'caregraph-demo-patient' };

const fhirClientScript = readFileSync(
  path.join(path.dirname(createRequire(import.meta.url).resolve('fhirclient/package.json')), 'build/fhir-client.js'),
);

/** The SMART app: a launch page that starts authorization, and the redirect page that reads the patient. */
function appPages(options: { clientId: string; iss: string }): Record<string, string> {
  const shell = (body: string) =>
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>SMART test app</title>` +
    `<script src="fhir-client.js"></script></head><body><main>${body}</main></body></html>`;
  return {
    '/launch.html': shell(`<p>Launching…</p><script>
      FHIR.oauth2.authorize(${JSON.stringify({ clientId: options.clientId, scope: SCOPE, iss: options.iss, redirectUri: 'app.html' })});
    </script>`),
    '/app.html': shell(`<h1>Patient</h1><p id="patient-id"></p><p id="name"></p><p id="error" role="alert"></p><script>
      FHIR.oauth2.ready()
        .then((client) => client.patient.read().then((patient) => {
          const name = (patient.name || [])[0] || {};
          document.getElementById('patient-id').textContent = client.patient.id;
          document.getElementById('name').textContent = [...(name.given || []), name.family].join(' ');
        }))
        .catch((error) => { document.getElementById('error').textContent = String(error); });
    </script>`),
  };
}

async function serveApp(pages: Record<string, string>): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (pathname === '/fhir-client.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(fhirClientScript);
      return;
    }
    const page = pages[pathname];
    response.writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' }).end(page ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('the app server has no port');
  }
  return { server, origin: `http://127.0.0.1:${address.port}` };
}

describe('SMART standalone launch with fhirclient', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let app: { server: Server; origin: string } | undefined;

  before(async () => {
    server = await startServer(requireWebBuild(), { demoData: true });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => app?.server.close(resolve));
    await server?.stop();
  });

  it('launches standalone, signs in the demo patient, and reads their Patient', async () => {
    assert.ok(server && browser);
    const fhirBase = `${server.baseUrl}/fhir/R4`;
    // 1. Serve the app from its own origin; an administrator (signed in to CareGraph in a browser
    //    context of their own) registers it as a public client (PKCE, no secret).
    const pages: Record<string, string> = {};
    app = await serveApp(pages);
    const adminContext = await browser.newContext();
    const adminPage = await adminContext.newPage();
    await signIn(adminPage, 'admin', { baseUrl: server.baseUrl });
    const adminToken = await accessTokenOf(adminPage);
    await adminContext.close();
    const registration = await fetch(`${server.baseUrl}/api/oauth/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        clientName: 'SMART test app',
        confidential: false,
        redirectUris: [`${app.origin}/app.html`],
        grantTypes: ['authorization_code'],
        scopes: ['openid', 'fhirUser', 'launch/patient', 'patient/*.rs'],
      }),
    });
    assert.equal(registration.status, 201, await registration.clone().text());
    const { clientId } = (await registration.json()) as { clientId: string };
    Object.assign(pages, appPages({ clientId, iss: fhirBase }));

    // 2. The app starts authorization; CareGraph asks the user to sign in.
    const page = await browser.newPage();
    await page.goto(`${app.origin}/launch.html`);
    await page.getByLabel('E-mail address').waitFor({ timeout: 30_000 });
    assert.ok(page.url().startsWith(`${server.baseUrl}/oauth/interaction/`), page.url());
    await page.getByLabel('E-mail address').fill(DEMO_PATIENT.email);
    await page.getByLabel('Password').fill(DEMO_PATIENT.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    // 3. The consent page lists the scopes; allowing returns to the app with a code.
    await page.getByRole('heading', { name: 'Allow access' }).waitFor({ timeout: 30_000 });
    assert.match(await page.locator('main').innerText(), /patient\/\*\.rs/);
    await page.getByRole('button', { name: 'Allow' }).click();

    // 4. fhirclient exchanges the code (PKCE) and reads the launch patient.
    await page.waitForURL(`${app.origin}/app.html**`, { timeout: 30_000 });
    await page.locator('#name:not(:empty), #error:not(:empty)').first().waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('#error').textContent(), '');
    const patientId = (await page.locator('#patient-id').textContent()) ?? '';
    const shownName = (await page.locator('#name').textContent()) ?? '';

    // 5. It is the demo patient's record, as the system client reads it.
    const stored = (await (
      await fetch(`${fhirBase}/Patient/${patientId}`, { headers: await systemHeaders(server) })
    ).json()) as { name?: { given?: string[]; family?: string }[] };
    const name = stored.name?.[0];
    assert.equal(shownName, [...(name?.given ?? []), name?.family].join(' '));
    assert.notEqual(shownName.trim(), '');
  });
});

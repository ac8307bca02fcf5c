// Web app benchmark: the production bundle's initial JavaScript (gzipped; target < 300 kB) and the
// time to first render of the patient chart for a patient with 2,000 resources (target < 1.5 s),
// in headless Chromium against the server on loopback, measured in the page with the Performance API.
// Usage: node bench/web/run.ts [--skip-build] [--resources 2000] [--runs 7] [--trace]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { gitRevision, machineInfo } from '../fhir-store/machine.ts';
import { accessTokenOf, signIn, startBrowserSession, systemHeaders } from '../../packages/web/e2e/session.ts';
import { measureBundle, type BundleReport } from './bundle-size.ts';
import { buildPatientRecord, transactionBundle } from './patient-record.ts';
import { summarise, type Summary } from './summary.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const distDir = path.join(repoRoot, 'packages/web/dist');
const resultsDir = path.join(repoRoot, 'bench/results');
const BUNDLE_TARGET_BYTES = 300 * 1024;
const RENDER_TARGET_MS = 1500;

/**
 * Installed before any page script: records, with `performance.now()` (milliseconds since the
 * navigation started), when the chart first shows the patient's name and latest blood pressure.
 */
const RENDER_PROBE = `(() => {
  const isRendered = () => {
    const name = document.querySelector('main h1');
    const pressure = document.querySelector('[data-testid="latest-blood-pressure"]');
    return !!name && name.textContent.trim() !== '' && !!pressure && /\\d/.test(pressure.textContent);
  };
  new MutationObserver((_records, observer) => {
    if (isRendered()) {
      performance.mark('chart-rendered');
      window.__chartRenderedAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true, characterData: true });
})();`;

type RenderRun = { renderedMs: number; firstContentfulPaintMs: number | undefined; domContentLoadedMs: number };

async function measureChartRender(page: Page, url: string): Promise<RenderRun> {
  await page.goto('about:blank');
  await page.goto(url);
  await page.waitForFunction('typeof window.__chartRenderedAt === "number"', undefined, { timeout: 60_000 });
  return page.evaluate<RenderRun>(`(() => {
    const navigation = performance.getEntriesByType('navigation')[0];
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    return {
      renderedMs: window.__chartRenderedAt,
      firstContentfulPaintMs: paint ? paint.startTime : undefined,
      domContentLoadedMs: navigation ? navigation.domContentLoadedEventEnd : 0,
    };
  })()`);
}

/** The practitioner a signed-in user is (the `fhirUser` claim of their access token). */
function practitionerOf(accessToken: string): string {
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    fhirUser?: string;
  };
  const match = /(Practitioner\/[A-Za-z0-9\-.]+)$/.exec(payload.fhirUser ?? '');
  if (!match?.[1]) {
    throw new Error('the demo clinician is not linked to a Practitioner (is the demo data loaded?)');
  }
  return match[1];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'skip-build': { type: 'boolean', default: false },
      resources: { type: 'string', default: '2000' },
      runs: { type: 'string', default: '7' },
      trace: { type: 'boolean', default: false },
    },
  });
  const resourceCount = Number(values.resources);
  const runs = Number(values.runs);
  if (!values['skip-build']) {
    console.log('building the web app…');
    execFileSync('npm', ['run', 'build', '-w', '@caregraph/web'], { cwd: repoRoot, stdio: 'ignore' });
  }
  const bundle = measureBundle(distDir);
  console.log(`initial JS: ${(bundle.initialGzipBytes / 1024).toFixed(1)} kB gzipped (target < 300 kB)`);

  console.log('starting the server with the demo data…');
  const session = await startBrowserSession({ demoData: true });
  try {
    const { server, page } = session;
    // 1. The demo clinician signs in; the synthetic patient is put in their care.
    await signIn(page, 'clinician', { baseUrl: server.baseUrl });
    const practitioner = practitionerOf(await accessTokenOf(page));
    const record = buildPatientRecord({ total: resourceCount, practitioner, now: new Date() });
    const started = performance.now();
    const response = await fetch(`${server.baseUrl}/fhir/R4`, {
      method: 'POST',
      headers: await systemHeaders(server, 'application/fhir+json'),
      body: JSON.stringify(transactionBundle(record)),
    });
    const written = (await response.json()) as { entry?: { response?: { location?: string } }[] };
    if (!response.ok) {
      throw new Error(`writing the record failed with ${response.status}: ${JSON.stringify(written).slice(0, 500)}`);
    }
    const patientId = /Patient\/([^/]+)/.exec(written.entry?.[0]?.response?.location ?? '')?.[1];
    if (!patientId) {
      throw new Error('the transaction response has no Patient location');
    }
    console.log(`wrote ${record.length} resources in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    // 2. Open the chart `runs` times, each a full page load; the first also fetches the app's files.
    await page.addInitScript(RENDER_PROBE);
    const url = `${server.baseUrl}/patients/${encodeURIComponent(patientId)}`;
    const measured: RenderRun[] = [];
    for (let run = 0; run < runs; run += 1) {
      measured.push(await measureChartRender(page, url));
      console.log(`  run ${run + 1}: chart rendered at ${measured.at(-1)?.renderedMs.toFixed(0)} ms`);
    }
    if (values.trace) {
      // Where the last load spent its time: every request the page made, from navigation start.
      const timeline = await page.evaluate<{ name: string; start: number; end: number }[]>(
        `performance.getEntriesByType('resource').map((entry) => ({ name: entry.name.replace(location.origin, ''), start: entry.startTime, end: entry.responseEnd }))`,
      );
      for (const entry of timeline) {
        console.log(
          `  ${entry.start.toFixed(0).padStart(6)} → ${entry.end.toFixed(0).padStart(6)} ms  ${entry.name.slice(0, 110)}`,
        );
      }
      // The same FHIR requests one at a time, as the user: what the server needs for each alone.
      const token = await accessTokenOf(page);
      for (const entry of timeline.filter((item) => item.name.startsWith('/fhir/'))) {
        const begun = performance.now();
        const answer = await fetch(`${server.baseUrl}${entry.name}`, { headers: { authorization: `Bearer ${token}` } });
        await answer.arrayBuffer();
        console.log(
          `  alone: ${(performance.now() - begun).toFixed(0).padStart(5)} ms ${answer.status} ${entry.name.slice(0, 100)}`,
        );
      }
    }
    const cold = measured[0];
    const warm = summarise(measured.slice(1).map((run) => run.renderedMs));
    report({ bundle, resourceCount, cold, warm, measured });
  } finally {
    await session.close();
  }
}

function report(result: {
  bundle: BundleReport;
  resourceCount: number;
  cold: RenderRun | undefined;
  warm: Summary;
  measured: RenderRun[];
}): void {
  const { bundle, cold, warm } = result;
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  const lines = [
    '# Web app benchmark',
    '',
    `Revision ${gitRevision()}, ${new Date().toISOString()}. Headless Chromium (/usr/bin/chromium), server on loopback, embedded database.`,
    '',
    '| measure | value | target |',
    '| --- | --- | --- |',
    `| initial JS (gzipped) | ${kb(bundle.initialGzipBytes)} | < 300 kB ${bundle.initialGzipBytes < BUNDLE_TARGET_BYTES ? '✓' : '✗'} |`,
    `| all JS (gzipped) | ${kb(bundle.totalGzipBytes)} | — |`,
    `| chart first render, first load (${result.resourceCount} resources) | ${cold ? `${cold.renderedMs.toFixed(0)} ms` : '—'} | < 1,500 ms ${cold && cold.renderedMs < RENDER_TARGET_MS ? '✓' : '✗'} |`,
    `| chart first render, repeat loads: median / max of ${warm.count} | ${warm.median.toFixed(0)} / ${warm.max.toFixed(0)} ms | < 1,500 ms ${warm.max < RENDER_TARGET_MS ? '✓' : '✗'} |`,
    `| first contentful paint, first load | ${cold?.firstContentfulPaintMs?.toFixed(0) ?? '—'} ms | — |`,
    '',
    'Chart first render: from navigation start (`performance.now()` origin) to the first DOM state showing',
    "the patient's name and latest blood pressure, recorded in the page by a MutationObserver",
    '(`performance.mark("chart-rendered")`). Each load is a full page load with the session restored from',
    'sessionStorage, so it includes loading the app, restoring the sign-in and the FHIR searches.',
    '',
    '## Initial files',
    '',
    ...bundle.initial.map((file) => `- ${file.file}: ${kb(file.bytes)} (${kb(file.gzipBytes)} gzipped)`),
    '',
    '## Lazy chunks',
    '',
    ...bundle.lazy.map((file) => `- ${file.file}: ${kb(file.bytes)} (${kb(file.gzipBytes)} gzipped)`),
    '',
  ];
  const text = lines.join('\n');
  console.log(`\n${text}`);
  mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date()
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  writeFileSync(
    path.join(resultsDir, `web-${stamp}.json`),
    `${JSON.stringify({ machine: machineInfo('embedded', 'PGlite'), revision: gitRevision(), ...result }, null, 2)}\n`,
  );
  writeFileSync(path.join(resultsDir, 'web-latest.md'), text);
}

await main();

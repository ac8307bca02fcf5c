// Writes data-terminology/demo-codes/demo-codes.tsv: every coding (system, code, display) the demo
// patients use in systems whose shipped release lacks it, so the demo's codes resolve out of the box.
// The displays are the demo data's own (Synthea). Re-run after changing data-demo/ or the shipped data:
//   node scripts/extract-demo-codes.ts
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

const root = path.resolve(import.meta.dirname, '..');
const demoDir = path.join(root, 'data-demo');
/** Systems the demo uses whose shipped data is a subset (or absent); the rest resolve already. */
const SYSTEMS = new Set(['http://snomed.info/sct', 'http://loinc.org', 'http://www.nlm.nih.gov/research/umls/rxnorm']);

const codes = new Map<string, { system: string; code: string; display: string }>();

function visit(value: unknown): void {
  if (Array.isArray(value)) {
    value.forEach(visit);
    return;
  }
  if (typeof value !== 'object' || value === null) {
    return;
  }
  const record = value as Record<string, unknown>;
  const { system, code, display } = record;
  if (typeof system === 'string' && typeof code === 'string' && SYSTEMS.has(system)) {
    const key = `${system}|${code}`;
    if (!codes.has(key) && typeof display === 'string' && display.trim() !== '') {
      codes.set(key, { system, code, display: display.replace(/\s+/g, ' ').trim() });
    }
  }
  Object.values(record).forEach(visit);
}

for (const name of readdirSync(demoDir)
  .filter((file) => file.endsWith('.json.gz'))
  .sort()) {
  visit(JSON.parse(gunzipSync(readFileSync(path.join(demoDir, name))).toString('utf8')));
}
const rows = [...codes.values()].sort((a, b) => a.system.localeCompare(b.system) || a.code.localeCompare(b.code));
const out = path.join(root, 'data-terminology', 'demo-codes', 'demo-codes.tsv');
writeFileSync(
  out,
  ['system\tcode\tdisplay', ...rows.map((row) => `${row.system}\t${row.code}\t${row.display}`)].join('\n') + '\n',
);
process.stdout.write(`${rows.length} codes written to ${path.relative(root, out)}\n`);

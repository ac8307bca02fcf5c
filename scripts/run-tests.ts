// Runs a workspace's tests with node's test runner.
//   node ../../scripts/run-tests.ts unit   → every *.test.ts that is not an *.int.test.ts
//   node ../../scripts/run-tests.ts int    → every *.int.test.ts, on PGlite and then on PostgreSQL
// PostgreSQL mode uses TEST_DATABASE_URL when set, else starts a temporary server on loopback.
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { startTemporaryPostgres } from './temporary-postgres.ts';

const kind = process.argv[2];
const all = globSync('src/**/*.test.ts').sort();
const files =
  kind === 'int'
    ? all.filter((file) => file.endsWith('.int.test.ts'))
    : all.filter((file) => !file.endsWith('.int.test.ts'));

function runNodeTest(label: string, env: Record<string, string>): number {
  process.stdout.write(`\n# ${label}: ${files.length} files\n`);
  const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return result.status ?? 1;
}

if (files.length === 0) {
  process.stdout.write(`# no ${kind} test files in ${process.cwd()}\n`);
  process.exit(0);
}
if (kind !== 'int') {
  process.exit(runNodeTest('unit tests', {}));
}
let failed = runNodeTest('integration tests on embedded PGlite', { CAREGRAPH_TEST_DB: 'embedded' });
const external = process.env.TEST_DATABASE_URL;
const postgres = external ? undefined : await startTemporaryPostgres();
try {
  failed ||= runNodeTest('integration tests on PostgreSQL', {
    CAREGRAPH_TEST_DB: 'postgres',
    TEST_DATABASE_URL: external ?? postgres?.url ?? '',
  });
} finally {
  await postgres?.stop();
}
process.exit(failed);

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from './test/cli-harness.ts';

describe('the caregraph command', () => {
  it('prints its commands for --help and exits 0', async () => {
    const result = await runCli(['--help'], {});

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Usage: caregraph /);
    for (const command of ['serve', 'migrate', 'import']) {
      assert.match(result.stdout, new RegExp(`^  ${command} `, 'm'));
    }
  });

  it('prints the import options for import --help and exits 0', async () => {
    const result = await runCli(['import', '--help'], {});

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Usage: caregraph import \[options\] <paths\.\.\.>/);
    for (const option of ['--tenant <id>', '--json', '--no-progress']) {
      assert.ok(result.stdout.includes(option), option);
    }
  });

  it('prints its version for --version and exits 0', async () => {
    const result = await runCli(['--version'], {});

    assert.equal(result.code, 0);
    assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('exits non-zero on an unknown command and says which', async () => {
    const result = await runCli(['frobnicate'], {});

    assert.equal(result.code, 1);
    assert.match(result.stderr, /unknown command 'frobnicate'/);
  });

  it('exits non-zero when import is given no paths', async () => {
    const result = await runCli(['import'], {});

    assert.equal(result.code, 1);
    assert.match(result.stderr, /missing required argument 'paths'/);
  });

  it('exits non-zero with every configuration problem before touching a database', async () => {
    const result = await runCli(['migrate'], { PORT: 'abc', DATABASE_URL: 'mysql://x', CAREGRAPH_API_KEY: 'short' });

    assert.equal(result.code, 1);
    assert.match(result.stderr, /PORT must be a non-negative integer/);
    assert.match(result.stderr, /DATABASE_URL must be/);
    assert.match(result.stderr, /CAREGRAPH_API_KEY must be at least 16 characters/);
  });

  it('refuses a tenant id the database would reject, before opening it', async () => {
    const result = await runCli(['import', '--tenant', 'Bad_Tenant', '/nonexistent'], {
      CAREGRAPH_DATA_DIR: '/nonexistent/caregraph',
    });

    assert.equal(result.code, 1);
    assert.match(result.stderr, /invalid tenant id "Bad_Tenant"/);
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTempDir, type TempDir } from '../../test/temp-dir.ts';
import { lockDataDir } from './data-dir-lock.ts';

/** A pid that belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('lockDataDir', () => {
  let dir: TempDir;
  const lockFile = () => path.join(dir.path, 'caregraph.lock');

  before(() => {
    dir = createTempDir('lock');
  });

  after(() => dir.remove());

  it('writes a private lock file naming this process, and removes it on release', () => {
    const release = lockDataDir(dir.path);

    assert.equal(readFileSync(lockFile(), 'utf8'), `${process.pid}\n`);
    assert.equal(statSync(lockFile()).mode & 0o777, 0o600);
    release();
    assert.equal(existsSync(lockFile()), false);
  });

  it('refuses a second lock while the first is held, in this process too', () => {
    const release = lockDataDir(dir.path);
    try {
      assert.throws(() => lockDataDir(dir.path), new RegExp(`in use by process ${process.pid}`));
    } finally {
      release();
    }
  });

  it('refuses a lock held by another running process', () => {
    writeFileSync(lockFile(), `${process.ppid}\n`);
    try {
      assert.throws(() => lockDataDir(dir.path), new RegExp(`in use by process ${process.ppid}.*DATABASE_URL`));
    } finally {
      writeFileSync(lockFile(), '');
    }
  });

  it('takes over a lock left by a process that died, or one that names no process', () => {
    for (const content of [`${deadPid()}\n`, '', 'garbage']) {
      writeFileSync(lockFile(), content);

      const release = lockDataDir(dir.path);

      assert.equal(readFileSync(lockFile(), 'utf8'), `${process.pid}\n`, JSON.stringify(content));
      release();
    }
  });

  it('takes over a lock naming this process that this process does not hold, as after a container restart', () => {
    writeFileSync(lockFile(), `${process.pid}\n`);

    const release = lockDataDir(dir.path);

    release();
    assert.equal(existsSync(lockFile()), false);
  });
});

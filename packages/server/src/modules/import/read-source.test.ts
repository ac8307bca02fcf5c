import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createTempDir, type TempDir } from '../../test/temp-dir.ts';
import {
  isReferenceData,
  kindOf,
  listSourceFiles,
  orderForImport,
  readSourceLines,
  readSourceText,
  SourceReadError,
  type SourceFile,
} from './read-source.ts';

const PATIENT = '{"resourceType":"Patient","id":"p1"}';
const ORGANIZATION = '{"resourceType":"Organization","id":"o1"}';

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const result: string[] = [];
  for await (const line of lines) {
    result.push(line);
  }
  return result;
}

function sourceFile(file: string): SourceFile {
  const kind = kindOf(file);
  assert.ok(kind, `no kind for ${file}`);
  return { path: file, kind, bytes: 0 };
}

describe('kindOf', () => {
  it('recognises JSON and NDJSON, gzipped or not, whatever the case of the extension', () => {
    assert.equal(kindOf('a/b.json'), 'json');
    assert.equal(kindOf('a/b.JSON.GZ'), 'json');
    assert.equal(kindOf('b.ndjson'), 'ndjson');
    assert.equal(kindOf('b.ndjson.gz'), 'ndjson');
  });

  it('rejects other extensions', () => {
    for (const name of ['b.txt', 'b.json.bak', 'b.gz', 'b.jsonl', 'json']) {
      assert.equal(kindOf(name), undefined, name);
    }
  });
});

describe('listSourceFiles', () => {
  let dir: TempDir;
  let root: string;

  before(() => {
    dir = createTempDir('read-source');
    root = dir.path;
    mkdirSync(path.join(root, 'nested/deeper'), { recursive: true });
    writeFileSync(path.join(root, 'b.json'), PATIENT);
    writeFileSync(path.join(root, 'a.ndjson'), PATIENT);
    writeFileSync(path.join(root, 'notes.txt'), 'not FHIR');
    writeFileSync(path.join(root, 'nested/c.json.gz'), gzipSync(PATIENT));
    writeFileSync(path.join(root, 'nested/deeper/d.ndjson.gz'), gzipSync(PATIENT));
    // A link back up the tree must not make the walk loop forever.
    symlinkSync(root, path.join(root, 'nested/deeper/loop'));
  });

  after(() => dir.remove());

  it('expands a directory recursively into its FHIR files, sorted by name, skipping other files', async () => {
    const { files, errors } = await listSourceFiles([root]);

    assert.deepEqual(
      files.map((file) => [path.relative(root, file.path), file.kind]),
      [
        ['a.ndjson', 'ndjson'],
        ['b.json', 'json'],
        ['nested/c.json.gz', 'json'],
        ['nested/deeper/d.ndjson.gz', 'ndjson'],
      ],
    );
    assert.deepEqual(errors, []);
    assert.ok(files.every((file) => file.bytes > 0));
  });

  it('reports a missing path and an explicitly named file of an unsupported type', async () => {
    const missing = path.join(root, 'missing.json');
    const notes = path.join(root, 'notes.txt');

    const { files, errors } = await listSourceFiles([missing, notes, path.join(root, 'b.json')]);

    assert.deepEqual(
      files.map((file) => path.basename(file.path)),
      ['b.json'],
    );
    assert.deepEqual(errors, [
      { file: missing, message: 'no such file or directory' },
      { file: notes, message: 'unsupported file type: expected .json or .ndjson, optionally .gz' },
    ]);
  });

  it('lists a file named twice, or also reached through its directory, once', async () => {
    const file = path.join(root, 'b.json');

    const { files } = await listSourceFiles([file, file, root]);

    assert.equal(files.filter((item) => item.path === file).length, 1);
    assert.equal(files.length, 4);
  });

  it('keeps the order the paths were given in', async () => {
    const names = async (paths: string[]) =>
      (await listSourceFiles(paths)).files.map((file) => path.basename(file.path));
    const b = path.join(root, 'b.json');
    const c = path.join(root, 'nested/c.json.gz');

    assert.deepEqual(await names([c, b]), ['c.json.gz', 'b.json']);
    assert.deepEqual(await names([b, c]), ['b.json', 'c.json.gz']);
  });

  it('resolves relative paths against the working directory', async () => {
    const relative = path.relative(process.cwd(), path.join(root, 'b.json'));

    const { files } = await listSourceFiles([relative]);

    assert.equal(files[0]?.path, path.join(root, 'b.json'));
  });
});

describe('reading a source file', () => {
  let dir: TempDir;

  before(() => {
    dir = createTempDir('read-source-text');
  });

  after(() => dir.remove());

  it('reads plain and gzipped JSON as the same text', async () => {
    const plain = path.join(dir.path, 'p.json');
    const gzipped = path.join(dir.path, 'p.json.gz');
    writeFileSync(plain, PATIENT);
    writeFileSync(gzipped, gzipSync(PATIENT));

    assert.equal(await readSourceText(sourceFile(plain)), PATIENT);
    assert.equal(await readSourceText(sourceFile(gzipped)), PATIENT);
  });

  it('streams NDJSON lines, gzipped or not, with CRLF line ends and a missing final newline', async () => {
    const text = `${PATIENT}\r\n\r\n${ORGANIZATION}\n${PATIENT}`;
    const plain = path.join(dir.path, 'l.ndjson');
    const gzipped = path.join(dir.path, 'l.ndjson.gz');
    writeFileSync(plain, text);
    writeFileSync(gzipped, gzipSync(text));

    const expected = [PATIENT, '', ORGANIZATION, PATIENT];
    assert.deepEqual(await collect(readSourceLines(sourceFile(plain))), expected);
    assert.deepEqual(await collect(readSourceLines(sourceFile(gzipped))), expected);
  });

  it('fails with a SourceReadError on a truncated gzip file, after the lines it could read', async () => {
    const lines = Array.from({ length: 2000 }, (_, index) => `{"resourceType":"Patient","id":"p${index}"}`).join('\n');
    const whole = gzipSync(lines);
    const truncated = path.join(dir.path, 'cut.ndjson.gz');
    writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const read: string[] = [];

    await assert.rejects(async () => {
      for await (const line of readSourceLines(sourceFile(truncated))) {
        read.push(line);
      }
    }, SourceReadError);
    assert.ok(read.length > 0 && read.length < 2000, `read ${read.length} lines`);
  });

  it('fails with a SourceReadError on a file that is not gzip despite its name', async () => {
    const fake = path.join(dir.path, 'fake.json.gz');
    writeFileSync(fake, PATIENT);

    await assert.rejects(readSourceText(sourceFile(fake)), (error: unknown) => {
      assert.ok(error instanceof SourceReadError);
      assert.match(error.message, /^cannot read the file: /);
      return true;
    });
  });

  it('fails with a SourceReadError when the file has gone', async () => {
    const gone = sourceFile(path.join(dir.path, 'gone.ndjson'));

    await assert.rejects(collect(readSourceLines(gone)), SourceReadError);
    await assert.rejects(readSourceText({ ...gone, kind: 'json' }), SourceReadError);
  });
});

describe('isReferenceData', () => {
  let dir: TempDir;

  before(() => {
    dir = createTempDir('reference-data');
  });

  after(() => dir.remove());

  it('says a file with no Patient is reference data, and one with a Patient anywhere is not', async () => {
    const write = (name: string, content: string | Buffer) => {
      writeFileSync(path.join(dir.path, name), content);
      return sourceFile(path.join(dir.path, name));
    };

    assert.equal(
      await isReferenceData(write('orgs.json', `{"resourceType":"Bundle","entry":[{"resource":${ORGANIZATION}}]}`)),
      true,
    );
    assert.equal(
      await isReferenceData(
        write('pat.json.gz', gzipSync(`{"resourceType":"Bundle","entry":[{"resource":${PATIENT}}]}`)),
      ),
      false,
    );
    assert.equal(await isReferenceData(write('orgs.ndjson', `${ORGANIZATION}\n${ORGANIZATION}\n`)), true);
    assert.equal(await isReferenceData(write('mixed.ndjson', `${ORGANIZATION}\n${PATIENT}\n`)), false);
    assert.equal(await isReferenceData(write('spaced.json', '{ "resourceType" : "Patient" }')), false);
  });
});

describe('orderForImport', () => {
  it('puts reference data first and otherwise keeps the given order, whatever that order is', () => {
    const isReference = (name: string) => name.startsWith('ref');
    const orders = [
      ['p1', 'p2', 'ref-hospital', 'p3', 'ref-practitioner'],
      ['ref-practitioner', 'p3', 'p2', 'ref-hospital', 'p1'],
      ['p3', 'p2', 'p1', 'ref-practitioner', 'ref-hospital'],
    ];

    for (const order of orders) {
      const result = orderForImport(order, isReference);
      assert.deepEqual(result.slice(0, 2).sort(), ['ref-hospital', 'ref-practitioner']);
      assert.deepEqual(
        result.slice(2),
        order.filter((name) => !isReference(name)),
      );
    }
  });
});

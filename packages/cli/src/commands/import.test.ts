import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatImportError, formatImportSummary, formatProgressLine } from './import.ts';

describe('formatImportError', () => {
  it('names an NDJSON error by file and line, then the message and the FHIRPath', () => {
    assert.equal(
      formatImportError({
        file: 'p.ndjson',
        line: 5,
        message: 'Invalid date format',
        expression: ['Patient.birthDate'],
      }),
      'p.ndjson:5: Invalid date format [Patient.birthDate]',
    );
  });

  it('names a Bundle error by file and entry index', () => {
    assert.equal(
      formatImportError({
        file: 'b.json',
        entry: 3,
        message: 'Bad',
        expression: ['Bundle.entry[3].resource.gender', 'x'],
      }),
      'b.json (entry 3): Bad [Bundle.entry[3].resource.gender, x]',
    );
  });

  it('names a file-level error by file alone, with no empty brackets', () => {
    assert.equal(
      formatImportError({ file: 'missing.json', message: 'no such file or directory', expression: [] }),
      'missing.json: no such file or directory',
    );
  });
});

describe('formatImportSummary', () => {
  it('says how many resources, new ones, files and errors, in the singular when there is one', () => {
    assert.equal(
      formatImportSummary({
        files: 1,
        resources: 7,
        created: 2,
        errors: [{ file: 'f', message: 'm' }],
        analyzed: false,
      }),
      'imported 7 resources (2 new) from 1 file; 1 error',
    );
    assert.equal(
      formatImportSummary({ files: 3, resources: 0, created: 0, errors: [], analyzed: false }),
      'imported 0 resources (0 new) from 3 files; 0 errors',
    );
  });
});

describe('formatProgressLine', () => {
  it('shows files done out of all, the file and the resources so far', () => {
    assert.equal(
      formatProgressLine({ file: '/d/a.json', filesDone: 2, filesTotal: 5, resources: 340 }),
      '[2/5] /d/a.json: 340 resources so far',
    );
  });
});

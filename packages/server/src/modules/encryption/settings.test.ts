import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { DEFAULT_NATIONAL_ID_SYSTEMS, readEncryptionSettings, readTlsSettings } from './settings.ts';

describe('encryption settings', () => {
  it('is off without a KEK, and seals national ids and attachments but not notes by default', () => {
    const problems: string[] = [];
    const settings = readEncryptionSettings({}, problems);
    assert.deepEqual(problems, []);
    assert.equal(settings.keks.length, 0);
    assert.deepEqual(settings.identifierSystems, DEFAULT_NATIONAL_ID_SYSTEMS);
    assert.equal(settings.sealsAttachments, true);
    assert.equal(settings.sealsNotes, false);
  });

  it('puts the current KEK first and previous ones after it', () => {
    const [current, old1, old2] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const settings = readEncryptionSettings(
      {
        CAREGRAPH_KEK: current.toString('base64'),
        CAREGRAPH_KEK_PREVIOUS: `${old1.toString('base64')}, ${old2.toString('base64url')}`,
        CAREGRAPH_ENCRYPTED_IDENTIFIER_SYSTEMS: 'urn:a, urn:b',
        CAREGRAPH_ENCRYPT_NOTES: 'true',
      },
      [],
    );
    assert.deepEqual(settings.keks, [current, old1, old2]);
    assert.deepEqual(settings.identifierSystems, ['urn:a', 'urn:b']);
    assert.equal(settings.sealsNotes, true);
  });

  it('reports a malformed KEK, previous keys without a current one, and systems with a bar', () => {
    const problems: string[] = [];
    readEncryptionSettings({ CAREGRAPH_KEK: 'short' }, problems);
    readEncryptionSettings({ CAREGRAPH_KEK_PREVIOUS: randomBytes(32).toString('base64') }, problems);
    readEncryptionSettings({ CAREGRAPH_ENCRYPTED_IDENTIFIER_SYSTEMS: 'urn:a|b' }, problems);
    assert.deepEqual(problems, [
      'CAREGRAPH_KEK must be 32 bytes in base64',
      'CAREGRAPH_KEK_PREVIOUS needs CAREGRAPH_KEK or CAREGRAPH_KEK_FILE for the current key',
      'CAREGRAPH_ENCRYPTED_IDENTIFIER_SYSTEMS: "urn:a|b" must not contain "|"',
    ]);
  });

  it('sends HSTS for a year by default and validates its max age', () => {
    const problems: string[] = [];
    assert.equal(readTlsSettings({}, problems).hstsMaxAgeSeconds, 31_536_000);
    readTlsSettings({ CAREGRAPH_HSTS_MAX_AGE: '-1' }, problems);
    assert.deepEqual(problems, ['CAREGRAPH_HSTS_MAX_AGE must be a non-negative integer, got "-1"']);
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  EnvelopeError,
  isEnvelope,
  keyIdOf,
  newKeyId,
  openValue,
  sealValue,
  unwrapKey,
  wrapKey,
  type DataKey,
} from './envelope.ts';
import { parseKekFileText, toKeyEncryptionKey, tryParseKeyText } from './key-encryption-keys.ts';
import { createBlindIndex } from './blind-index.ts';

const dataKey = (): DataKey => ({ keyId: newKeyId(), key: randomBytes(32) });

describe('field envelope', () => {
  it('seals a value into cgenc:1:<key id>:<base64url> and opens it back', () => {
    const key = dataKey();
    const sealed = sealValue(key, '123-45-6789', 'Patient/p1');
    assert.match(sealed, /^cgenc:1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    assert.equal(keyIdOf(sealed), key.keyId);
    assert.ok(isEnvelope(sealed));
    assert.ok(!sealed.includes('6789'));
    assert.equal(openValue(key, sealed, 'Patient/p1'), '123-45-6789');
  });

  it('uses a fresh IV per seal, so equal values give different ciphertexts', () => {
    const key = dataKey();
    assert.notEqual(sealValue(key, 'same', 'Patient/p1'), sealValue(key, 'same', 'Patient/p1'));
  });

  it('carries 12 bytes of IV and 16 of tag around the ciphertext', () => {
    const sealed = sealValue(dataKey(), 'abc', 'Binary/b');
    const body = Buffer.from(sealed.split(':')[3] ?? '', 'base64url');
    assert.equal(body.length, 12 + 3 + 16);
  });

  it('refuses to open a value moved to another resource', () => {
    const key = dataKey();
    const sealed = sealValue(key, '123-45-6789', 'Patient/p1');
    assert.throws(() => openValue(key, sealed, 'Patient/p2'), EnvelopeError);
  });

  it('refuses a tampered ciphertext and a value relabelled with another key id', () => {
    const key = dataKey();
    const sealed = sealValue(key, 'secret note', 'Observation/o1');
    const body = Buffer.from(sealed.split(':')[3] ?? '', 'base64url');
    body[14] = (body[14] ?? 0) ^ 1;
    const tampered = `cgenc:1:${key.keyId}:${body.toString('base64url')}`;
    assert.throws(() => openValue(key, tampered, 'Observation/o1'), /does not authenticate/);
    const other = { keyId: newKeyId(), key: key.key };
    const relabelled = sealed.replace(key.keyId, other.keyId);
    assert.throws(() => openValue(other, relabelled, 'Observation/o1'), /does not authenticate/);
  });

  it('tells strings that only start like an envelope from envelopes', () => {
    assert.equal(isEnvelope('cgenc:hello'), false);
    assert.equal(isEnvelope('123-45-6789'), false);
    assert.throws(() => keyIdOf('cgenc:hello'), EnvelopeError);
  });

  it('round-trips unicode and empty text', () => {
    const key = dataKey();
    assert.equal(openValue(key, sealValue(key, 'Zoë – 診断', 'Patient/x'), 'Patient/x'), 'Zoë – 診断');
    assert.equal(openValue(key, sealValue(key, '', 'Patient/x'), 'Patient/x'), '');
  });
});

describe('key wrapping', () => {
  it('unwraps only with the same KEK and label', () => {
    const kek = randomBytes(32);
    const key = randomBytes(32);
    const wrapped = wrapKey(kek, key, 't1:data:abc');
    assert.deepEqual(unwrapKey(kek, wrapped, 't1:data:abc'), key);
    assert.throws(() => unwrapKey(kek, wrapped, 't2:data:abc'), EnvelopeError);
    assert.throws(() => unwrapKey(randomBytes(32), wrapped, 't1:data:abc'), EnvelopeError);
  });

  it('names a KEK by a fingerprint that is stable and differs between keys', () => {
    const kek = randomBytes(32);
    assert.equal(toKeyEncryptionKey(kek).kekId, toKeyEncryptionKey(Buffer.from(kek)).kekId);
    assert.match(toKeyEncryptionKey(kek).kekId, /^[0-9a-f]{16}$/);
    assert.notEqual(toKeyEncryptionKey(kek).kekId, toKeyEncryptionKey(randomBytes(32)).kekId);
  });

  it('parses base64 and base64url 32-byte keys and rejects other lengths', () => {
    const key = randomBytes(32);
    assert.deepEqual(tryParseKeyText(key.toString('base64')), key);
    assert.deepEqual(tryParseKeyText(key.toString('base64url')), key);
    assert.equal(tryParseKeyText(randomBytes(16).toString('base64')), undefined);
    assert.equal(tryParseKeyText('not a key!'), undefined);
  });

  it('reads a KEK file with the current key first, skipping comments and naming bad lines', () => {
    const [a, b] = [randomBytes(32), randomBytes(32)];
    const parsed = parseKekFileText(`# current\n${a.toString('base64')}\n\n${b.toString('base64')} # previous\nxyz\n`);
    assert.deepEqual(parsed.keys, [a, b]);
    assert.deepEqual(parsed.badLines, [5]);
  });
});

describe('blind index', () => {
  it('gives equal tokens for equal system|value under one key, and different ones otherwise', () => {
    const systems = new Set(['http://hl7.org/fhir/sid/us-ssn']);
    const index = createBlindIndex(randomBytes(32), systems);
    const token = index.hash('http://hl7.org/fhir/sid/us-ssn', '123-45-6789');
    assert.match(token, /^cgbi:[A-Za-z0-9_-]{43}$/);
    assert.equal(token, index.hash('http://hl7.org/fhir/sid/us-ssn', '123-45-6789'));
    assert.notEqual(token, index.hash('urn:oid:2.16.840.1.113883.4.1', '123-45-6789'));
    assert.notEqual(
      token,
      createBlindIndex(randomBytes(32), systems).hash('http://hl7.org/fhir/sid/us-ssn', '123-45-6789'),
    );
  });
});

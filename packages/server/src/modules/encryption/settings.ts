// The environment variables of TLS and field encryption, parsed into config.ts's frozen Config.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseKekFileText, tryParseKeyText } from './key-encryption-keys.ts';

type Env = Record<string, string | undefined>;

/** Which fields are sealed, and under which key-encryption keys (none: encryption is off). */
export type EncryptionSettings = Readonly<{
  /** Key-encryption keys, the current one first; empty when encryption is off. */
  keks: readonly Buffer[];
  /** Identifier systems whose values are national identifiers: sealed, and searched through a blind index. */
  identifierSystems: readonly string[];
  /** Seal `Attachment.data` (DocumentReference, Media, Binary, DiagnosticReport, Communication…). */
  sealsAttachments: boolean;
  /** Seal note bodies (`Annotation.text` in `note`). */
  sealsNotes: boolean;
}>;

/** Serving HTTPS, and when to send Strict-Transport-Security. */
export type TlsSettings = Readonly<{
  /** PEM certificate chain and private key; undefined when the server speaks plain HTTP. */
  certFile: string | undefined;
  keyFile: string | undefined;
  /** TLS ends at a proxy in front of this server: send HSTS although this hop is plain HTTP. */
  isBehindTlsProxy: boolean;
  hstsMaxAgeSeconds: number;
}>;

/**
 * National person identifier systems sealed by default: US SSN (URL and OID), NHS number, BSN, IHI,
 * and the Danish, French, Norwegian and Swedish national numbers.
 */
export const DEFAULT_NATIONAL_ID_SYSTEMS = [
  'http://hl7.org/fhir/sid/us-ssn',
  'urn:oid:2.16.840.1.113883.4.1',
  'https://fhir.nhs.uk/Id/nhs-number',
  'http://fhir.nl/fhir/NamingSystem/bsn',
  'http://ns.electronichealth.net.au/id/hi/ihi/1.0',
  'urn:oid:1.2.208.176.1.2',
  'urn:oid:1.2.250.1.213.1.4.8',
  'urn:oid:2.16.578.1.12.4.1.4.1',
  'urn:oid:1.2.752.129.2.1.3.1',
];

function readKeks(env: Env, problems: string[]): Buffer[] {
  const keks: Buffer[] = [];
  if (env.CAREGRAPH_KEK) {
    const key = tryParseKeyText(env.CAREGRAPH_KEK);
    if (key) {
      keks.push(key);
    } else {
      problems.push('CAREGRAPH_KEK must be 32 bytes in base64');
    }
  }
  for (const [index, text] of (env.CAREGRAPH_KEK_PREVIOUS ?? '').split(',').entries()) {
    if (text.trim() === '') {
      continue;
    }
    const key = tryParseKeyText(text);
    if (key) {
      keks.push(key);
    } else {
      problems.push(`CAREGRAPH_KEK_PREVIOUS entry ${index + 1} must be 32 bytes in base64`);
    }
  }
  if (env.CAREGRAPH_KEK_FILE) {
    const file = path.resolve(env.CAREGRAPH_KEK_FILE);
    if (!existsSync(file)) {
      problems.push(`CAREGRAPH_KEK_FILE ${file} does not exist`);
    } else {
      const { keys, badLines } = parseKekFileText(readFileSync(file, 'utf8'));
      if (badLines.length > 0 || keys.length === 0) {
        problems.push(
          `CAREGRAPH_KEK_FILE must hold one base64 32-byte key per line (bad lines: ${badLines.join(', ')})`,
        );
      }
      keks.push(...keys);
    }
  }
  if (keks.length > 0 && !env.CAREGRAPH_KEK && !env.CAREGRAPH_KEK_FILE) {
    problems.push('CAREGRAPH_KEK_PREVIOUS needs CAREGRAPH_KEK or CAREGRAPH_KEK_FILE for the current key');
  }
  return keks;
}

/** Reads the field encryption settings, adding what is wrong to `problems`. */
export function readEncryptionSettings(env: Env, problems: string[]): EncryptionSettings {
  const systems = env.CAREGRAPH_ENCRYPTED_IDENTIFIER_SYSTEMS;
  const identifierSystems =
    systems === undefined
      ? DEFAULT_NATIONAL_ID_SYSTEMS
      : systems
          .split(',')
          .map((system) => system.trim())
          .filter((system) => system !== '');
  for (const system of identifierSystems) {
    if (system.includes('|')) {
      problems.push(`CAREGRAPH_ENCRYPTED_IDENTIFIER_SYSTEMS: "${system}" must not contain "|"`);
    }
  }
  return Object.freeze({
    keks: Object.freeze(readKeks(env, problems)),
    identifierSystems: Object.freeze([...identifierSystems]),
    sealsAttachments: env.CAREGRAPH_ENCRYPT_ATTACHMENTS !== 'false',
    sealsNotes: env.CAREGRAPH_ENCRYPT_NOTES === 'true',
  });
}

/** Reads the TLS settings, adding what is wrong to `problems`. */
export function readTlsSettings(env: Env, problems: string[]): TlsSettings {
  const certFile = env.CAREGRAPH_TLS_CERT_FILE ? path.resolve(env.CAREGRAPH_TLS_CERT_FILE) : undefined;
  const keyFile = env.CAREGRAPH_TLS_KEY_FILE ? path.resolve(env.CAREGRAPH_TLS_KEY_FILE) : undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    problems.push('CAREGRAPH_TLS_CERT_FILE and CAREGRAPH_TLS_KEY_FILE must be set together');
  }
  for (const [name, file] of [
    ['CAREGRAPH_TLS_CERT_FILE', certFile],
    ['CAREGRAPH_TLS_KEY_FILE', keyFile],
  ] as const) {
    if (file !== undefined && !existsSync(file)) {
      problems.push(`${name} ${file} does not exist`);
    }
  }
  const rawMaxAge = env.CAREGRAPH_HSTS_MAX_AGE;
  const hstsMaxAgeSeconds = rawMaxAge ? Number(rawMaxAge) : 31_536_000;
  if (!Number.isInteger(hstsMaxAgeSeconds) || hstsMaxAgeSeconds < 0) {
    problems.push(`CAREGRAPH_HSTS_MAX_AGE must be a non-negative integer, got "${rawMaxAge}"`);
  }
  return Object.freeze({
    certFile,
    keyFile,
    isBehindTlsProxy: env.CAREGRAPH_TLS_PROXY === 'true',
    hstsMaxAgeSeconds,
  });
}

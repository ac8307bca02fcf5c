// Field encryption (envelope encryption of national identifiers, attachments and notes, with a
// blind index for exact identifier search) and transport security (TLS, HSTS).
import type { Database } from '../../platform/db/index.ts';
import { withFieldEncryption, type FieldEncryption } from './encrypted-database.ts';
import { createKeyring } from './keyring.ts';
import type { EncryptionSettings } from './settings.ts';

export { BLIND_PREFIX, createBlindIndex, type BlindIndex } from './blind-index.ts';
export {
  forEachSealed,
  openSealedRows,
  sealContextOf,
  tryFieldEncryptionOf,
  withFieldEncryption,
  type FieldEncryption,
  type FieldPolicy,
} from './encrypted-database.ts';
export {
  ENVELOPE_PREFIX,
  EnvelopeError,
  isEnvelope,
  isSealed,
  keyIdOf,
  openValue,
  sealValue,
  type DataKey,
} from './envelope.ts';
export {
  ensureGeneratedKeks,
  GENERATED_KEK_FILE,
  toKeyEncryptionKey,
  tryReadGeneratedKeks,
  type KeyEncryptionKey,
} from './key-encryption-keys.ts';
export { createKeyring, KeyUnavailableError, type Keyring } from './keyring.ts';
export { rotateKeys, type RotateKeysOptions, type RotateKeysReport, type RotationProgress } from './rotate-keys.ts';
export {
  DEFAULT_NATIONAL_ID_SYSTEMS,
  readEncryptionSettings,
  readTlsSettings,
  type EncryptionSettings,
  type TlsSettings,
} from './settings.ts';
export { hstsPlugin, httpsOptionsFrom } from './tls.ts';

/** The field encryption the settings describe, or undefined when no key-encryption key is configured. */
export function fieldEncryptionFrom(settings: EncryptionSettings): FieldEncryption | undefined {
  if (settings.keks.length === 0) {
    return undefined;
  }
  return Object.freeze({
    keyring: createKeyring(settings.keks),
    policy: Object.freeze({
      identifierSystems: new Set(settings.identifierSystems),
      sealsAttachments: settings.sealsAttachments,
      sealsNotes: settings.sealsNotes,
    }),
  });
}

/** The database with field encryption when the settings enable it, else the database itself. */
export function withConfiguredEncryption(db: Database, settings: EncryptionSettings): Database {
  const encryption = fieldEncryptionFrom(settings);
  return encryption ? withFieldEncryption(db, encryption) : db;
}

export { buildApp, VERSION, type AppDependencies } from './app.ts';
export { loadConfig, ConfigError, type Config } from './config.ts';
export { startServer, withDataDirKeyEncryptionKey } from './server.ts';
export { openDatabase, migrate, type Database, type MigrationReport } from './platform/db/index.ts';
export {
  importFiles,
  type ImportError,
  type ImportOptions,
  type ImportProgress,
  type ImportReport,
} from './modules/import/index.ts';
export { createApiKey, ensureTenant, isValidTenantId } from './modules/tenants/index.ts';
export {
  isTerminologySystem,
  loadTerminology,
  TERMINOLOGY_SYSTEMS,
  TerminologyLoadError,
  type LoadProgress,
  type LoadSummary,
  type LoadTerminologyOptions,
  type TerminologySystem,
} from './modules/terminology/load-terminology.ts';
export { loadShippedTerminology, type ShippedReport } from './modules/terminology/shipped.ts';
export { listReleases, type CodeSystemRelease } from './modules/terminology/store/index.ts';
export {
  rebuildJourney,
  type RebuildJourneyOptions,
  type RebuildProgress,
  type RebuildReport,
} from './modules/journey/rebuild.ts';
export {
  exportLog,
  ExportFormatError,
  findOrphanEntry,
  integrateAll,
  loadSigningKey,
  proveConsistency,
  proveInclusion,
  readLogFromDatabase,
  readLogFromExport,
  treeHeadJson,
  verifyConsistency,
  verifyInclusion,
  verifyLog,
  type VerifyReport,
} from './modules/audit/index.ts';
export {
  activateModel,
  dedupeTenant,
  listModelVersions,
  trainTenantModel,
  type DedupeOptions,
  type DedupeProgress,
  type TrainTenantOptions,
} from './modules/mpi/index.ts';
export {
  createKeyring,
  rotateKeys,
  tryReadGeneratedKeks,
  withConfiguredEncryption,
  type RotateKeysOptions,
  type RotateKeysReport,
  type RotationProgress,
} from './modules/encryption/index.ts';

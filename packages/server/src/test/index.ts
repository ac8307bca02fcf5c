// Test helpers other workspaces' tests share (exported as `@caregraph/server/test`). Only light
// helpers: nothing here builds an app or opens a database.
export { countStoredResources, type StoredResources } from './stored-resources.ts';
export {
  copyFilesTo,
  DATA_PIPES_DIR,
  isPatientBundle,
  listSyntheaFiles,
  smallestPatientBundles,
  SMART_SAMPLE_DIR,
  SYNTHEA_DIR,
} from './synthea.ts';
export { createTempDir, type TempDir } from './temp-dir.ts';
export { testDatabaseMode } from './test-database.ts';

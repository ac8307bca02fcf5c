export {
  importFiles,
  type ImportError,
  type ImportOptions,
  type ImportProgress,
  type ImportReport,
} from './import-files.ts';

export {
  beginRelease,
  finishRelease,
  findRelease,
  listReleases,
  type CodeSystemRelease,
  type ReleaseInput,
} from './systems.ts';
export {
  ancestorsSql,
  descendantsSql,
  readConcept,
  searchTextOf,
  subsumes,
  writeConcepts,
  type ConceptInput,
  type Designation,
  type StoredConcept,
} from './concepts.ts';
